"""Account rows keep their note in both languages (``note``, ``note_zh``, migration 0003): the API
returns both and the unit page shows the one of its language, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

YEAR = 2020


def test_unit_page_shows_the_note_in_the_page_language(tmp_path, store_url, platform_pack):
    from fastapi.testclient import TestClient

    from ecoledger.accounts import run_account
    from ecoledger.outputs import write_outputs
    from ecoledger.platform.app import create_app
    from ecoledger.platform.testing import make_settings
    from ecoledger.untranslated import untranslated

    result = run_account(platform_pack, YEAR, keep_maps=False)
    out = write_outputs(result, tmp_path / "cli-2020", platform_pack)
    settings = make_settings(tmp_path, store_url, platform_pack, seed_outputs=[out])
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        rows = client.get("/api/v1/accounts", params={"year": YEAR, "unit": "990101",
                                                      "ecosystem": "all"}).json()["rows"]
        noted = [r for r in rows if r["note"]]
        assert noted and all(r["note_zh"] for r in noted)
        expected = result.accounts.set_index(["adcode", "item", "ecosystem"])["note_zh"]
        for r in noted:
            assert r["note_zh"] == expected[(r["code"], r["item"], r["ecosystem"])]
        zh = client.get("/units/990101", params={"year": YEAR, "lang": "zh"}).text
        en = client.get("/units/990101", params={"year": YEAR, "lang": "en"}).text
        zh_notes = re.findall(r'<div class="note">(.*?)</div>', zh, re.S)
        en_notes = re.findall(r'<div class="note">(.*?)</div>', en, re.S)
        assert zh_notes and len(zh_notes) == len(en_notes)
        assert untranslated("".join(f"<p>{n}</p>" for n in zh_notes)) == [], zh_notes
        assert "`" not in "".join(zh_notes)  # identifiers shown as code
        assert zh_notes != en_notes
