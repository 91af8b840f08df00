"""The synthetic benchmark corpus generator (benchmarks/generate_corpus.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate_corpus", ROOT / "benchmarks" / "generate_corpus.py")
generate_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_corpus)

N = 50
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus-a")
    generate_corpus.generate(out, N, seed=1)
    return out


def test_same_seed_gives_identical_bytes(corpus, tmp_path):
    generate_corpus.generate(tmp_path, N, seed=1)
    assert snapshot(corpus) == snapshot(tmp_path)


def test_different_seed_differs(corpus, tmp_path):
    generate_corpus.generate(tmp_path, N, seed=2)
    assert snapshot(corpus) != snapshot(tmp_path)


def test_every_record_parses_and_figid_is_the_file_stem(corpus):
    records = sorted((corpus / "figures").glob("*.md"))
    assert len(records) == N
    for path in records:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n") and text.endswith("\n---\n")
        front = yaml.safe_load(text[4:-4])
        assert front["figid"] == path.stem
        assert front["schema-jsonld"]["@id"].endswith(f"/figures/{path.stem}.html")
        assert front["redirect_from"] == f"/figures/{front['figid_alias']}"


def test_tables_belong_to_records_and_have_consistent_columns(corpus):
    stems = {p.stem for p in (corpus / "figures").glob("*.md")}
    for path in (corpus / "data").glob("*.tsv"):
        stem, kind = path.stem.rsplit("-", 1)
        assert stem in stems and kind in ("genes", "chemicals", "diseases")
        lines = path.read_text(encoding="utf-8").split("\n")
        assert lines[-1] == "" and len(lines) > 2
        width = len(lines[0].split("\t"))
        assert all(len(line.split("\t")) == width for line in lines[1:-1])


def test_emitter_round_trips_every_generated_record():
    # the hand-written YAML must load back to exactly the generated mapping, and is laid
    # out as PyYAML's safe_dump lays out the real records
    corpus = generate_corpus.Corpus(seed=5)
    for _figid, record, _tables in corpus.iter_figures(120):
        text = generate_corpus.dump_front_matter(record)
        assert yaml.safe_load(text[4:-4]) == record
        assert text[4:-4] == yaml.dump(record, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


def test_refuses_to_mix_with_existing_files(corpus):
    with pytest.raises(FileExistsError):
        generate_corpus.generate(corpus, 1, seed=1)
