-- Per file: rows read = rows accepted + rows quarantined (DESIGN §4).

select *

from {{ ref('mart_load_audit') }}

where rows_read != rows_accepted + rows_quarantined
