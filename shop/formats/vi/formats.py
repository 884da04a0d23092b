"""Vietnamese input formats: dates are written day first (05/12/2026 is 5 December 2026).

Django's Vietnamese locale defines no input formats, so forms fell back to the US ones (month first,
05/12/2026 read as 12 May, 25/12/2026 refused). The first format is the one the admin's date widgets
and calendar write; ISO (2026-12-05) stays accepted, for <input type="date"> and the API.
"""
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 05/12/2026
    "%d/%m/%y",  # 05/12/26
    "%Y-%m-%d",  # 2026-12-05
    "%d-%m-%Y",  # 05-12-2026
    "%d.%m.%Y",  # 05.12.2026
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
    "%H:%M",  # 14:30
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",  # 05/12/2026 14:30:59
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M",  # 05/12/2026 14:30
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",  # 2026-12-05 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
