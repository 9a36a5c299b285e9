"""Territorial spatial controls (issue 19, items 1–2): control layers with their rules, and the
screening of projects and plans against them.

``zones``: ``read_zones``, ``check_zones``, ``read_rules`` (control layers and the cited rules
table ``data/controls/zone_rules.csv``); ``screening``: ``project_footprints``, ``screen``,
``gep_in_footprints``, ``rank_alternatives``, ``screen_files`` (from files) and
``screen_geojson`` (an upload: the function an API route calls); ``report``:
``write_screening`` (CSV, JSON, GeoPackage and the bilingual page); ``demo``: demonstration
zones and projects for Jiangxi (``status = demonstration``).
"""
