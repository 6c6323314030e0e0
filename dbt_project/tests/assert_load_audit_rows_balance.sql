-- Per file: rows read = rows accepted + rows quarantined + rows skipped (DESIGN §4), and the
-- skipped rows are the total, note and other lines.

select *

from {{ ref('mart_load_audit') }}

where
    rows_read != rows_accepted + rows_quarantined + rows_skipped
    or rows_skipped != total_lines + note_lines + other_lines
