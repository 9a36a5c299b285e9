"""The command line's own phrases (``cli.*``) in Chinese and English: the error path, ``validate``'s
output, ``account``'s summary. Light: imports only the catalogue."""

from __future__ import annotations

from ecoledger.messages import register

register({
    # the error path (cli/_errors.py)
    "internal_error": (
        "内部错误：{kind}：{exc}\n这是 ecoledger 的缺陷：请加 --debug 重新运行该命令"
        "（ecoledger --debug …）查看回溯信息，并报告此问题",
        "internal error: {kind}: {exc}\nthis is a bug in ecoledger: run the command again with "
        "--debug (ecoledger --debug …) for the traceback and report it"),
    "pack_error": (
        "错误：区域数据包有 {errors} 个问题，未进行任何计算，也未写出任何文件：\n{problems}\n"
        "运行 `ecoledger validate PACK` 查看包括警告在内的完整清单",
        "error: the region pack has {errors} problem(s); nothing was computed or written:\n"
        "{problems}\nrun `ecoledger validate PACK` for the full list with warnings"),
    "submission_error": ("错误：文件被拒收，未写入任何内容：\n{problems}",
                         "error: the file is refused; nothing was written:\n{problems}"),
    "user_error": ("错误：{message}", "error: {message}"),
    "problems_error": ("错误：输入有 {errors} 个问题：\n{problems}",
                       "error: the input has {errors} problem(s):\n{problems}"),
    "on_line": ("（命令行给出的输入文件：{files}）", " (input files on the command line: {files})"),
    "unreadable_geodata": (
        "错误：无法读取栅格或矢量文件：{exc}{on_line}\n修改：请检查文件是否存在、完整且有效"
        "（截断或损坏的 GeoTIFF 须重新导出或下载）",
        "error: a raster or vector file could not be read: {exc}{on_line}\n"
        "fix: check that the file exists and is complete and valid (a truncated or "
        "corrupt GeoTIFF must be exported or downloaded again)"),
    "not_utf8": (
        "错误：文本文件不是 UTF-8 编码（第 {start} 字节：{reason}）{on_line}\n"
        "修改：请将文件另存为 UTF-8（Excel 中选择“CSV UTF-8”）",
        "error: a text file is not UTF-8 ({reason} at byte {start}){on_line}\n"
        "fix: save the file as UTF-8 (in Excel: CSV UTF-8)"),
    "path_error": ("错误：{what}：{path}\n修改：请检查命令行中给出的路径",
                   "error: {what}: {path}\nfix: check the path given on the command line"),
    "path.FileNotFoundError": ("文件或文件夹不存在", "no such file or folder"),
    "path.NotADirectoryError": ("不是文件夹", "not a folder"),
    "path.IsADirectoryError": ("是文件夹而不是文件", "a folder, not a file"),
    "path.PermissionError": ("没有访问权限", "permission denied"),
    "unparsable": (
        "错误：无法解析输入文件：{name}：{exc}{on_line}\n修改：请按文档规定的格式提供文件"
        "（带表头行的 UTF-8 CSV、有效的 TOML/JSON、未经改动的压缩包）",
        "error: an input file could not be parsed: {name}: {exc}{on_line}\n"
        "fix: give the file in the documented format (UTF-8 CSV with a header row, "
        "valid TOML/JSON, an unmodified archive)"),
    "os_error": ("错误：{reason}：{path}\n修改：请检查路径和磁盘",
                 "error: {reason}: {path}\nfix: check the path and the disk"),
    "require.missing": ("{option} {path}：{kind}不存在（{what}）；修改：请给出已存在的{kind}",
                        "{option} {path}: no such {kind} ({what}); fix: give an existing {kind}"),
    "require.not_folder": ("{option} {path}：不是文件夹（{what}）；修改：请给出文件夹，而不是文件",
                           "{option} {path}: not a folder ({what}); fix: give the folder, not a file"),
    "require.not_file": ("{option} {path}：不是文件（{what}）；修改：请给出文件，而不是文件夹",
                         "{option} {path}: not a file ({what}); fix: give the file, not a folder"),
    "kind.folder": ("文件夹", "folder"),
    "kind.file": ("文件", "file"),
    # a problem as the command line prints it
    "problem_item": ("  - {file}{at}：{message} → 修改：{fix}", "  - {file}{at}: {message} → fix: {fix}"),
    "problem_line": ("[{severity}] {file}{at}：{message} → 修改：{fix}",
                     "[{severity}] {file}{at}: {message} → fix: {fix}"),
    "severity.error": ("错误", "error"),
    "severity.warning": ("警告", "warning"),
    # validate
    "validate.summary": ("{pack}：{errors} 个错误，{warnings} 个警告",
                         "{errors} error(s), {warnings} warning(s) in {pack}"),
    "validate.severity": ("级别", "severity"),
    "validate.file": ("文件", "file"),
    "validate.field": ("字段", "field"),
    "validate.problem": ("问题", "problem"),
    "validate.fix": ("修改方法", "fix"),
    "validate.plausibility": (
        "{folder}：{name} {check}：为 {reference_year} 年已知总量的 {ratio:.2f} 倍（{mark}）；{explanation}",
        "{folder}: {name} {check}: {ratio:.2f} × the known total of {reference_year} ({mark}); "
        "{explanation}"),
    "validate.beyond": ("超出", "beyond"),
    "validate.within": ("未超出", "within"),
    # account
    "account.validating": ("校验数据包", "validating"),
    "account.writing": ("写出结果", "writing outputs"),
    "account.uncertainty": ("不确定性：{draws} 次蒙特卡洛抽样", "uncertainty: {draws} Monte Carlo draws"),
    "account.summary": ("{region} {year} 年 GEP：{total} 亿元 → {out}",
                        "GEP {year} of {region}: {total} 亿元 → {out}"),
    "account.plausibility": (
        "合理性检查：{name} {check}：{quantity:.4g} {unit}，为 {reference_year} 年已知总量的 "
        "{ratio:.1f} 倍；{explanation}",
        "plausibility: {name} {check}: {quantity:.4g} {unit} = {ratio:.1f} × the known total of "
        "{reference_year}; {explanation}"),
}, prefix="cli.")

# what a path given on the command line is (require(path, what, …)), in Chinese
WHAT_ZH = {
    "a parameter or statistics table": "参数表或统计表",
    "an accounts.csv": "accounts.csv 文件",
    "an example input": "示例输入",
    "an output folder of `ecoledger account`": "`ecoledger account` 的输出文件夹",
    "an output folder with maps/": "含 maps/ 的输出文件夹",
    "the GEP accounts.csv": "GEP 核算结果 accounts.csv",
    "the InVEST datastack / args.json": "InVEST 数据栈 / args.json",
    "the Jiangxi data folder": "江西数据文件夹",
    "the certificate": "证书",
    "the ecospold2 folder": "ecospold2 文件夹",
    "the example inputs": "示例输入",
    "the example rule files": "示例规则文件",
    "the indicators CSV": "指标目录 CSV",
    "the label folder": "标签文件夹",
    "the monitoring records": "监测记录",
    "the previous year's output folder": "上一年的输出文件夹",
    "the product-system JSON": "产品系统 JSON",
    "the region pack": "区域数据包",
    "the rule file": "规则文件",
    "the run archive": "运行归档",
    "the sink project JSON": "碳汇项目 JSON",
    "the site GeoJSON": "地块 GeoJSON",
    "the source data folder": "源数据文件夹",
    "the statistics CSV": "统计表 CSV",
    "the year's output folder": "当年的输出文件夹",
}
register({f"what.{en}": (zh, en) for en, zh in WHAT_ZH.items()}, prefix="cli.")
