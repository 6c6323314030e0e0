"""Every reason a row or a file is refused, with the message the user reads.

One table: the code (stable snake_case, stored in `landing.quarantine.reason_code` and
`landing.load_audit.error_code`), a Chinese message written for a town clerk, and an
English one. Messages are `str.format` templates; row-level messages about one cell take
`header` (the Chinese column header), `field` (canonical name), `value` (as written) and
`visible` (as written, with each invisible character shown as <U+200B>).
"""

from __future__ import annotations

import string
from typing import NamedTuple

import polars as pl


class Reason(NamedTuple):
    zh: str
    en: str
    # the reason's short name where the message's first clause does not say it (数据质量 lists
    # reasons by it: dashboards.tables.reason_name_zh)
    name_zh: str | None = None


_CELL = "{header}“{value}”"

ROW_REASONS: dict[str, Reason] = {
    "uscc_missing": Reason("未填写统一社会信用代码", "unified social credit code is missing"),
    "uscc_invalid_format": Reason(
        "统一社会信用代码“{visible}”格式不对：应为18位数字或大写字母（不含I、O、S、V、Z）",
        "unified social credit code '{visible}' is not 18 characters of digits and capitals "
        "(without I, O, S, V, Z)",
    ),
    "uscc_bad_check_char": Reason(
        "统一社会信用代码“{value}”校验位不对，可能有错字，请与营业执照核对",
        "unified social credit code '{value}' fails its check character; probably a typo",
    ),
    "region_missing": Reason("未填写{header}", "{field} (region code) is missing"),
    "region_invalid_format": Reason(
        _CELL + "不是12位区划代码", "{field} '{value}' is not a 12-digit division code"
    ),
    "region_unknown": Reason(
        _CELL + "不在区划名单中，请核对代码（镇街用12位统计区划代码）",
        "{field} '{value}' is not a known region code",
    ),
    "period_missing": Reason("未填写{header}", "{field} (reporting period) is missing"),
    "period_unparseable": Reason(
        _CELL + "无法识别，请填写如 2024-12 或 2024年12月",
        "{field} '{value}' is not a period such as 2024-12",
    ),
    "period_in_future": Reason(
        _CELL + "晚于今天（{today}），报告期不能是将来",
        "{field} '{value}' is in the future (today is {today})",
    ),
    "required_missing": Reason("未填写{header}（必填项）", "required field {field} is missing"),
    "count_unparseable": Reason(
        _CELL + "不是数字，请只填写人数或个数",
        "{field} '{value}' is not a number",
    ),
    "count_negative": Reason(_CELL + "不能为负数", "{field} '{value}' is negative"),
    "count_not_integer": Reason(_CELL + "应为整数", "{field} '{value}' is not a whole number"),
    "pct_unparseable": Reason(
        _CELL + "不是百分比，请填写如 98% 或 98",
        "{field} '{value}' is not a percentage",
    ),
    "pct_out_of_range": Reason(_CELL + "超出0%～100%的范围", "{field} '{value}' is outside 0-100%"),
    "date_unparseable": Reason(
        _CELL + "不是日期，请填写如 2024-03-01 或 2024年3月1日",
        "{field} '{value}' is not a date such as 2024-03-01",
    ),
    "date_month_only": Reason(
        _CELL + "只写到月份，签订日期按当月1日、到期日期按当月最后一天计",
        "{field} '{value}' gives only a month: read as its first day (signed) or last day "
        "(expires)",
    ),
    "bool_unparseable": Reason(
        _CELL + "无法识别，请填写“是”或“否”", "{field} '{value}' is not yes/no"
    ),
    "union_form_unknown": Reason(
        _CELL + "无法识别，请填写“单独建会”“联合建会”或“未建会”",
        "{field} '{value}' is not one of single / joint / none",
    ),
    "ownership_unknown": Reason(
        _CELL + "无法识别，请填写国有、集体、私营、港澳台、外商投资或其他",
        "{field} '{value}' is not a known ownership type",
    ),
    "industry_unknown": Reason(
        _CELL + "无法识别，请填写国民经济行业分类门类字母（A～T）或行业代码",
        "{field} '{value}' is not a GB/T 4754-2017 section or division code",
    ),
    "formula_not_calculated": Reason(
        _CELL + "是没有计算结果的公式（文件由程序生成，未在 Excel 中计算保存），"
        "请用 Excel 或 WPS 打开后保存，再重新放入",
        "{field} '{value}' is a formula saved without its result; open the file in Excel and "
        "save it",
    ),
    "uscc_stored_as_number": Reason(
        "统一社会信用代码在 Excel 中是数字格式，显示为“{value}”，后几位已经丢失；"
        "请把该列设置为“文本”格式后重新填写代码",
        "unified social credit code stored as a number ('{value}'): its last digits are lost; "
        "format the column as text and type the codes again",
    ),
    "text_invisible_only": Reason(
        "{header}“{visible}”只有不可见字符（零宽空格、方向控制符等），请填写实际内容",
        "{field} '{visible}' holds only invisible characters (zero-width, direction controls)",
    ),
    "text_too_long": Reason(
        "{header}超过200个字，请核对是否把整段文字粘贴进了一个单元格",
        "{field} is longer than 200 characters (a paragraph pasted into the cell?)",
    ),
    "count_implausible": Reason(
        _CELL + "超过合理上限（{limit}），请核对是否多填了位数",
        "{field} '{value}' is above the plausible maximum ({limit})",
    ),
    "text_garbled": Reason(
        "{header}含无法识别的乱码字符（文件中混有其他编码的文字），请重新填写",
        "{field} holds undecodable characters (text in another encoding pasted in)",
    ),
    "excel_error_value": Reason(
        _CELL + "是Excel公式错误，请改为实际数值",
        "{field} holds the Excel error value '{value}'",
    ),
    "female_exceeds_total": Reason(
        "女职工人数({value})大于职工人数({limit})",
        "female employees ({value}) exceed employees ({limit})",
    ),
    "migrant_exceeds_total": Reason(
        "农民工人数({value})大于职工人数({limit})",
        "migrant employees ({value}) exceed employees ({limit})",
    ),
    "members_exceed_employees": Reason(
        "会员人数({value})大于职工人数({limit})", "members ({value}) exceed employees ({limit})"
    ),
    "female_members_exceed_female": Reason(
        "女会员人数({value})大于女职工人数({limit})",
        "female members ({value}) exceed female employees ({limit})",
    ),
    "migrant_members_exceed_migrant": Reason(
        "农民工会员人数({value})大于农民工人数({limit})",
        "migrant members ({value}) exceed migrant employees ({limit})",
    ),
    "registered_exceeds_members": Reason(
        "会员实名制信息采集人数({value})大于会员人数({limit})",
        "members registered ({value}) exceed members ({limit})",
    ),
    "cba_covered_exceeds_employees": Reason(
        "集体合同覆盖职工数({value})大于职工人数({limit})",
        "employees covered by the collective contract ({value}) exceed employees ({limit})",
    ),
    "cba_expiry_before_signing": Reason(
        "集体合同到期日期({value})不晚于签订日期({limit})",
        "collective contract expires ({value}) on or before it is signed ({limit})",
    ),
    "cba_term_over_3_years": Reason(
        "集体合同期限超过3年：{limit}签订，{value}到期",
        "collective contract term exceeds 3 years: signed {limit}, expires {value}",
    ),
    "wage_expiry_before_signing": Reason(
        "工资专项集体合同到期日期({value})不晚于签订日期({limit})",
        "wage agreement expires ({value}) on or before it is signed ({limit})",
    ),
    "wage_term_over_3_years": Reason(
        "工资专项集体合同期限超过3年：{limit}签订，{value}到期",
        "wage agreement term exceeds 3 years: signed {limit}, expires {value}",
    ),
    "signed_in_future": Reason(
        _CELL + "晚于今天（{today}），签订日期不能是将来",
        "{field} '{value}' is in the future (today is {today})",
    ),
    "duplicate_in_file": Reason(
        "与本表第{first_row}行重复（{key}相同），以第{first_row}行为准",
        "duplicates row {first_row} of this file (same {key_en}); row {first_row} is kept",
    ),
    "duplicate_in_workbook": Reason(
        "与本文件工作表“{first_sheet}”第{first_row}行重复（{key}相同），以该行为准",
        "duplicates row {first_row} of sheet '{first_sheet}' of this file (same {key_en}); "
        "that row is kept",
    ),
    "level_unknown": Reason(
        _CELL + "无法识别，请填写市、区（县）或镇（街道）",
        "{field} '{value}' is not city / district / town",
    ),
    "year_unparseable": Reason(
        _CELL + "不是年份，请填写如 2024", "{field} '{value}' is not a year such as 2024"
    ),
    "number_unparseable": Reason(_CELL + "不是数字", "{field} '{value}' is not a number"),
    "alias_field_unknown": Reason(
        "字段代码“{value}”不是{feed}的字段，此表头别名未采用；字段代码见 docs/architecture.md"
        "“Feeds and headers”（如 open_affairs、members_registered）",
        "field code '{value}' is not a field of {feed_en}; this header alias is not used",
    ),
    "alias_takes_known_header": Reason(
        "表头“{value}”已是字段 {owner} 的标准写法，不能教为 {taught}；此表头别名未采用",
        "header '{value}' is a standard spelling of field {owner} and cannot be taught as "
        "{taught}; this header alias is not used",
    ),
    "alias_feed_unknown": Reason(
        _CELL + "不是报表名称，请填写“企业报表”或“镇街汇总表”（留空即企业报表）",
        "{field} '{value}' is not a feed: write 企业报表 (returns) or 镇街汇总表 (summaries)",
    ),
    "kpi_unknown": Reason(
        _CELL + "不是已定义的指标，请使用指标代码或指标名称",
        "{field} '{value}' is not a known KPI code or name",
    ),
    # Features of a boundary file (raw/reference/*.geojson): the row is the feature's number
    # in `features`; a ring is numbered within its polygon, a polygon within a MultiPolygon.
    "boundary_not_feature": Reason(
        "features 中的这一项不是要素（type 应为 Feature），而是“{found}”",
        "this item of features is not a Feature but '{found}'",
    ),
    "boundary_code_missing": Reason(
        "要素的属性（properties）中没有区划代码，请加上 {names} 之一（12位区划代码）",
        "the feature's properties hold no region code: add one of {names} (12-digit division code)",
    ),
    "boundary_duplicate": Reason(
        "区划代码“{value}”与本文件第{first_row}个要素相同，以第{first_row}个为准；"
        "同一区划的几块请合并为一个 MultiPolygon 要素",
        "region code '{value}' is also that of feature {first_row} of this file, which is kept; "
        "merge the parts of one region into one MultiPolygon feature",
    ),
    "geometry_missing": Reason(
        "要素没有几何图形（geometry 为空或没有坐标）",
        "the feature has no geometry (null, or without coordinates)",
    ),
    "geometry_not_polygon": Reason(
        "几何类型是“{value}”，边界只接受面：Polygon 或 MultiPolygon",
        "geometry type '{value}' is not a Polygon or MultiPolygon",
    ),
    "geometry_malformed": Reason(
        "第{part}个面的坐标结构不对：应为环的列表，每个环是坐标点 [经度, 纬度] 的列表，此处是“{value}”",
        "the coordinates of polygon {part} are not a list of rings of [longitude, latitude] "
        "positions: '{value}'",
    ),
    "geometry_coordinate_invalid": Reason(
        "第{part}个面第{ring}个环中的坐标点“{value}”不是两个数字 [经度, 纬度]",
        "position '{value}' in ring {ring} of polygon {part} is not two numbers "
        "[longitude, latitude]",
    ),
    "geometry_coordinate_out_of_range": Reason(
        "第{part}个面第{ring}个环中的坐标点“{value}”超出经纬度范围（经度 -180～180，纬度 -90～90）："
        "坐标应为 WGS84 经纬度（度），而不是投影坐标（米）",
        "position '{value}' in ring {ring} of polygon {part} is outside longitude -180..180 or "
        "latitude -90..90: coordinates must be WGS84 degrees, not projected metres",
    ),
    "geometry_ring_too_short": Reason(
        "第{part}个面第{ring}个环只有{points}个坐标点，闭合的环至少要4个（首末两点相同）",
        "ring {ring} of polygon {part} has {points} positions; a closed ring needs at least 4",
    ),
    "geometry_ring_not_closed": Reason(
        "第{part}个面第{ring}个环未闭合：首点 {first} 与末点 {last} 应相同",
        "ring {ring} of polygon {part} is not closed: its first position {first} and its last "
        "{last} differ",
    ),
}

FILE_REASONS: dict[str, Reason] = {
    "file_unreadable": Reason(
        "文件无法打开或读取（{detail}），请确认文件未损坏、未加密",
        "the file cannot be read ({detail})",
    ),
    "file_over_budget": Reason(
        "文件超出读取上限：{limit_zh}为 {actual}，上限为 {allowed}。请删除表格以外的多余内容"
        "（如远处误填的单元格）、拆分过大的文件，另存后重新放入",
        "the file exceeds a parsing limit: {limit_en} is {actual}, the limit is {allowed}",
    ),
    "parser_crashed": Reason(
        "读取此文件时解析程序异常退出（{detail}），文件可能已损坏或含有异常内容；"
        "请用 Excel 或 WPS 打开后另存为新的 .xlsx 或 CSV，再重新放入",
        "the parser died while reading this file ({detail})",
    ),
    "file_not_text": Reason(
        "文件不是可识别的文本（可能是 UTF-16 或其他格式），请另存为 UTF-8 CSV 或 XLSX 后重新放入",
        "the file is not readable text (perhaps UTF-16); save it as UTF-8 CSV or XLSX",
    ),
    "file_encrypted": Reason(
        "文件设置了打开密码（已加密），无法读取，请取消密码后重新保存为 .xlsx",
        "the workbook is password-protected (encrypted); remove the password and save again",
    ),
    "file_empty": Reason("文件是空的", "the file is empty"),
    "header_not_found": Reason(
        "找不到表头行，请确认表格中有“{expected}”等列名",
        "no header row found (expected columns such as {expected})",
    ),
    "missing_required_columns": Reason(
        "缺少必填列：{columns}", "required columns are missing: {columns}"
    ),
    "unsupported_format": Reason(
        "不支持的文件格式“{extension}”，请保存为 .xlsx 或 .csv",
        "unsupported file format '{extension}'; use .xlsx or .csv",
    ),
    "no_data_rows": Reason("表头下没有数据行", "there are no data rows below the header"),
    "outside_feed_folders": Reason(
        "文件在 {place} 中，不在 raw/returns/（企业报表）、raw/summaries/（镇街汇总表）、"
        "raw/reference/（参考数据）之中，未读取：请按种类移入其中之一",
        "the file is in {place}, outside raw/returns/, raw/summaries/ and raw/reference/, "
        "and was not read: move it into the folder of its kind",
        "文件不在任何报表文件夹中",
    ),
    "wrong_feed_folder": Reason(
        "文件在 {place} 中，未读取：报表文件夹的名称是 {folder}，请移入该文件夹",
        "the file is in {place}, not in a feed folder, and was not read: move it into {folder}",
        "报表文件夹名称写错",
    ),
    "symlink_refused": Reason(
        "不读取符号链接（快捷方式），请把文件本身放进 raw/",
        "symbolic links are not followed; put the file itself into raw/",
    ),
    # Boundary files (raw/reference/*.geojson, pipelines.ingest.boundaries)
    "geojson_not_text": Reason(
        "文件不是 UTF-8 文本，无法作为 GeoJSON 读取；请用地图软件重新导出为 GeoJSON（UTF-8 编码）",
        "the file is not UTF-8 text and cannot be read as GeoJSON; export it again as GeoJSON "
        "(UTF-8)",
    ),
    "geojson_invalid": Reason(
        "文件不是有效的 GeoJSON：第{line}行第{column}列附近 JSON 格式有误（{detail}）；"
        "请用地图软件重新导出为 GeoJSON",
        "the file is not valid GeoJSON: malformed JSON near line {line}, column {column} "
        "({detail}); export it again as GeoJSON",
    ),
    "geojson_not_feature_collection": Reason(
        "边界文件应为 GeoJSON 要素集合（type 为 FeatureCollection，features 为要素列表），"
        "此文件是“{found}”",
        "a boundary file must be a GeoJSON FeatureCollection with a list of features; this "
        "file is '{found}'",
    ),
    "geojson_no_features": Reason(
        "GeoJSON 文件中没有要素（features 为空）", "the GeoJSON file has no features"
    ),
}

REASONS: dict[str, Reason] = {**ROW_REASONS, **FILE_REASONS}

# What a field issue (a problem that keeps the row, see pipelines.ingest.validate) did to its
# field, added to its message: unknown, capped at the whole, or read to the month.
FIELD_OUTCOME_NOTES: dict[str, Reason] = {
    "unknown": Reason(
        "；此项按未报计，该企业其他各项照常统计",
        "; this field counts as not reported, the rest of the return is used",
    ),
    "capped": Reason("；统计时按职工人数计", "; counted as the employees"),
    "month_precision": Reason("", ""),
}
# How each outcome is named on the 数据质量 page and in the export.
FIELD_OUTCOME_ZH: dict[str, str] = {
    "unknown": "按未报计",
    "capped": "按上限计",
    "month_precision": "只到月份",
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message(code: str, **params: object) -> tuple[str, str]:
    """(Chinese, English) message for a reason code.

    Raises KeyError for an unknown code or a placeholder left without a value: both are
    programming errors that a test catches, not data problems.
    """
    reason = REASONS[code]
    return reason.zh.format(**params), reason.en.format(**params)


def message_exprs(code: str, **params: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(Chinese, English) message as Polars expressions, one message per row.

    The same templates as `message`, with each placeholder filled from a column, so a
    million quarantine rows get their messages without a Python loop.
    """
    reason = REASONS[code]
    return _render(reason.zh, params), _render(reason.en, params)


def _render(template: str, params: dict[str, pl.Expr]) -> pl.Expr:
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name:
            parts.append(params[name].cast(pl.Utf8).fill_null(""))
    return pl.concat_str(parts) if parts else pl.lit("")
