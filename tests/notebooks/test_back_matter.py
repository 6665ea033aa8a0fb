"""The repository stands on its own, and the back matter keeps up with the chapters.

- No text file of the repository names a file outside it (the house style and the source
  article's digest once lived beside the repository, where a clone does not have them).
- The glossary (glossary.md) has an entry for every `{prf:definition}` of the chapters, and
  every entry gives the term in simplified and in traditional Chinese, written so that the
  search index holds each Chinese term as a word of its own, and links the page that defines it.
- The guide to the source article (article_guide.md) links every chapter that corrects the
  article, and both pages stand in the back matter of the table of contents.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
GLOSSARY = ROOT / "glossary.md"
GUIDE = ROOT / "article_guide.md"

TEXT_SUFFIXES = {".md", ".ipynb", ".py", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".bib", ".cff"}
TEXT_NAMES = {"Makefile", "run"}  # .ci/run
SKIP_DIRS = {
    ".git",
    ".venv",
    ".venv-lab",
    "workbook",
    "_build",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
}

# Built from parts, so that this file does not name what it looks for.
_UP, _SHARED, _SEED = "..", "shared", "seed"
OUTSIDE = [
    re.compile(re.escape(f"{_UP}/{_SHARED}")),
    re.compile(re.escape(f"{_SHARED}/{_SEED}")),
    re.compile(re.escape(f"/work/{_SHARED}")),
    re.compile(r"\b(?:STYLE|DIGEST)" + r"\.md\b"),
]
LOCAL_ROOT = re.compile(r"(?<![\w.])/(?:work|tmp|home|root|Users|mnt|opt)/")
CJK = re.compile(r"[\u3400-\u9fff]")
# A Chinese word glued to a Latin letter or digit would enter the search index as one token
# (Sphinx splits text at non-word characters only): "KL散度" is not found by a search for 散度.
GLUED = re.compile(r"[A-Za-z0-9_][\u3400-\u9fff]|[\u3400-\u9fff][A-Za-z0-9_]")
ROLE_LINK = re.compile(r"\{(doc|ref|prf:ref|numref)\}`([^`]+)`")
CHINESE_LINE = re.compile(r"Chinese: (?P<simp>.+?) \(simplified\) · (?P<trad>.+?) \(traditional\)")
# Characters that only simplified Chinese writes this way (simplified, traditional): a term in
# one script must not use the other's form.
_PAIR_TEXT = (
    "习習 价價 优優 会會 传傳 兹茲 内內 农農 准準 几幾 则則 别別 动動 匀勻 单單 占佔 双雙 变變 "
    "号號 图圖 学學 对對 尔爾 层層 带帶 归歸 惩懲 执執 拟擬 损損 数數 断斷 无無 时時 机機 权權 "
    "条條 标標 测測 温溫 点點 热熱 独獨 码碼 确確 离離 稳穩 签籤 类類 约約 纯純 线線 练練 经經 "
    "缀綴 编編 缩縮 罗羅 罚罰 节節 规規 计計 训訓 论論 识識 词詞 话話 误誤 负負 软軟 辑輯 输輸 "
    "过過 连連 逻邏 链鏈 阵陣 险險 随隨 预預 风風 饱飽 馏餾 验驗 网網 络絡 讯訊 资資 础礎"
)
PAIRS = _PAIR_TEXT.split()
SIMPLIFIED_ONLY = {pair[0] for pair in PAIRS if pair[0] != pair[1]}
TRADITIONAL_ONLY = {pair[1] for pair in PAIRS if pair[0] != pair[1]}


def repository_text_files() -> list[Path]:
    """The repository's text files: tracked ones and new ones git does not ignore."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
        ).stdout.splitlines()  # fmt: skip
        paths = [ROOT / name for name in listed]
    except (OSError, subprocess.SubprocessError):  # not a git checkout: walk the tree
        paths = [
            p for p in ROOT.rglob("*")
            if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
        ]  # fmt: skip
    return sorted(
        p for p in paths if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES)
    )


def outside_references(text: str) -> list[str]:
    """Every mention in `text` of a file that lives outside the repository."""
    found = [m.group(0) for pattern in OUTSIDE for m in pattern.finditer(text)]
    return sorted(set(found))


def test_the_outside_check_catches_what_it_is_about():
    bad = [
        f"Read `{_UP}/{_SHARED}/STYLE" + ".md` first.",
        f"The digest, {_SHARED}/{_SEED}/DIGEST" + ".md, has the numbers.",
        f"open('/work/{_SHARED}/notes.txt')",
        "See DIGEST" + ".md for the article.",
    ]
    for text in bad:
        assert outside_references(text), f"not caught: {text}"
    assert not outside_references("plotting.STYLE and shared weights, shared_assets_bytes()")


def test_no_file_of_the_repository_names_a_file_outside_it():
    files = repository_text_files()
    assert any(p.name == "CONTRIBUTING.md" for p in files), "the file list looks wrong"
    offenders = {}
    for path in files:
        found = outside_references(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, (
        "files that point outside the repository (a clone does not have those files; put "
        f"what is needed into the repository): {offenders}"
    )


@pytest.mark.parametrize("name", ["CONTRIBUTING.md", "README.md"])
def test_contributing_and_readme_link_only_files_in_the_repository(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert "../" not in text, f"{name} climbs out of the repository with ../"
    assert not LOCAL_ROOT.search(text), f"{name} names a path on someone's machine"
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):  # a URL
            continue
        assert (ROOT / target).exists(), f"{name} links {target}, which is not in the repository"


def definition_titles() -> dict[str, list[str]]:
    """The title of every {prf:definition} in the chapters, by chapter."""
    titles = {}
    for path in CHAPTERS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        found = re.findall(r"^\s*(?:`{3,}|:{3,})\{prf:definition\}[ \t]*(.*)$", text, re.MULTILINE)
        titles[path.stem] = [title.strip() for title in found]
    return titles


def normalise(term: str) -> str:
    term = term.lower().replace("$", "")
    term = re.sub(r"[\u2010-\u2015\u2212]", "-", term)  # dashes and minus signs
    return re.sub(r"\s+", " ", term).strip(" .:")


def glossary_entries() -> list[dict]:
    """Each entry of the {glossary} directive: its terms and its definition's text."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```\s*$", text, re.MULTILINE | re.DOTALL)
    assert block, "glossary.md has no {glossary} directive"
    entries: list[dict] = []
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        if line.startswith(":"):  # a directive option
            continue
        if not line[0].isspace():
            if not entries or entries[-1]["body"]:
                entries.append({"terms": [], "body": []})
            entries[-1]["terms"].append(line.strip())
        else:
            assert entries, f"a definition before any term: {line!r}"
            entries[-1]["body"].append(line.strip())
    return [{"terms": e["terms"], "body": " ".join(e["body"])} for e in entries]


def test_there_are_definitions_and_glossary_entries():
    assert sum(len(t) for t in definition_titles().values()) >= 5
    assert len(glossary_entries()) >= 50


def test_every_definition_of_the_book_has_a_glossary_entry():
    terms = {normalise(t) for entry in glossary_entries() for t in entry["terms"]}
    missing = [
        f"{chapter}: {title!r}"
        for chapter, titles in definition_titles().items()
        for title in titles
        if not title or normalise(title) not in terms
    ]
    assert not missing, (
        "{prf:definition}s without a glossary entry (add the title as a term, or an alias line, "
        f"to glossary.md): {missing}"
    )


def test_every_glossary_entry_has_both_scripts_and_a_link():
    problems = []
    for entry in glossary_entries():
        name, body = entry["terms"][0], entry["body"]
        chinese = CHINESE_LINE.search(body)
        if not chinese:
            problems.append(f"{name}: no 'Chinese: … (simplified) · … (traditional)'")
            continue
        simp, trad = chinese["simp"], chinese["trad"]
        for script, words in (("simplified", simp), ("traditional", trad)):
            if not CJK.search(words):
                problems.append(f"{name}: no Chinese characters in the {script} term {words!r}")
            if GLUED.search(words):
                problems.append(f"{name}: {words!r} glues Chinese to a Latin letter or digit")
        if wrong := sorted(SIMPLIFIED_ONLY.intersection(trad)):
            problems.append(f"{name}: simplified characters {wrong} in the traditional {trad!r}")
        if wrong := sorted(TRADITIONAL_ONLY.intersection(simp)):
            problems.append(f"{name}: traditional characters {wrong} in the simplified {simp!r}")
        links = ROLE_LINK.findall(body)
        if not links:
            problems.append(f"{name}: no link to the page that defines it")
        for role, target in links:
            pages = [ROOT / f"{target}{suffix}" for suffix in (".ipynb", ".md")]
            if role == "doc" and not any(page.exists() for page in pages):
                problems.append(f"{name}: {{doc}} link to a missing page {target!r}")
    assert not problems, "\n".join(problems)


def test_glossary_terms_are_not_repeated():
    seen: dict[str, str] = {}
    for entry in glossary_entries():
        for term in entry["terms"]:
            key = normalise(term)
            assert key not in seen, f"{term!r} is in the glossary twice"
            seen[key] = term


def test_the_article_guide_links_every_chapter_that_corrects_the_article():
    guide = GUIDE.read_text(encoding="utf-8")
    assert "{cite:t}`chaipp2017`" in guide, "the guide does not cite the article"
    linked = {target for role, target in ROLE_LINK.findall(guide) if role == "doc"}
    missing = []
    for path in CHAPTERS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        has_box = re.search(r"\{admonition\}\s*The article says", text)
        if has_box and f"chapters/{path.stem}" not in linked:
            missing.append(path.stem)
    assert not missing, f"chapters with 'The article says' boxes the guide does not link: {missing}"


def test_the_new_pages_are_in_the_back_matter_before_the_bibliography():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    back = next(p for p in toc["parts"] if p.get("caption") == "Back matter")
    files = [entry["file"] for entry in back["chapters"]]
    for page in ("article_guide", "glossary"):
        assert page in files, f"{page} is not in the back matter of _toc.yml"
        assert files.index(page) < files.index("bibliography"), f"{page} after the bibliography"


def test_the_sections_the_guide_names_exist_in_their_chapters():
    """A section the guide names in quotes ("section \\"...\\"") is a heading of that chapter."""
    import nbformat

    text = re.sub(r"\s*\n\s*", " ", GUIDE.read_text(encoding="utf-8"))
    named = re.findall(r"\{doc\}`chapters/(\w+)`, (?:section|in the deep dive) \"([^\"]+)\"", text)
    assert named, "the guide names no section"
    for stem, title in named:
        nb = nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", as_version=4)
        headings = [
            line.lstrip("#").strip().lower()
            for cell in nb.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("#")
        ]
        assert any(title.lower() in h for h in headings), f"{stem} has no section {title!r}"
