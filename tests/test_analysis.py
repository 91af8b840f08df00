"""The enrichment-analysis data beside the search index (site_builder/analysis.py): gene sets by
organism from the genes tables, keys in any case, NCBI Gene IDs, sizes, shards, determinism.
A Python reader of the format below plays static/analyse-worker.js's part."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import site_builder.analysis as analysis
from site_builder.model import Figure, GeneMention
from site_builder.search import search_record, write_search_index

REPO = Path(__file__).resolve().parent.parent


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    def text(self) -> str:
        size = self.varint()
        self.pos += size
        return self.data[self.pos - size:self.pos].decode("utf-8")


def read_index(folder: Path) -> dict:
    """organism -> {"figures", "background", "sizes": {doc: n}, "genes": {key: (display, [docs])}, "ids": {id: [keys]}}"""
    manifest = json.loads((folder / "search" / "analysis.json").read_bytes())
    found = {}
    for name, figures, background, sizes_file, table in manifest["organisms"]:
        reader, sizes, doc = Reader((folder / "search" / "analysis" / f"{sizes_file}.bin").read_bytes()), {}, -1
        while reader.pos < len(reader.data):
            doc += reader.varint()
            sizes[doc] = reader.varint()
        genes, ids, firsts = {}, {}, []
        for first, shard in table:
            reader = Reader((folder / "search" / "analysis" / f"{shard}.bin").read_bytes())
            firsts.append(first)
            while reader.pos < len(reader.data):
                key, count = reader.text(), reader.varint()
                if count == 0:
                    ids[key] = [reader.text() for _ in range(reader.varint())]
                else:
                    display = reader.text() or key
                    end = reader.varint() + reader.pos
                    docs, doc = [], -1
                    while reader.pos < end:
                        doc += reader.varint()
                        docs.append(doc)
                    assert len(docs) == count
                    genes[key] = (display, docs)
        keys = list(genes) + list(ids)
        assert sorted(keys, key=lambda k: k.encode("utf-16-be")) == sorted(genes.keys() | ids.keys(), key=lambda k: k.encode("utf-16-be"))
        found[name] = {"figures": figures, "background": background, "sizes": sizes, "genes": genes, "ids": ids, "firsts": firsts}
    return found


def figure(figid: str, year: str, genes=(), symbols=(), organisms=("Homo sapiens",)) -> Figure:
    return Figure(figid=figid, title=figid, pmcid=figid.split("__")[0], year=year, organisms=organisms,
                  genes=tuple(GeneMention(s, s, i, "", o) for s, i, o in genes), gene_symbols=tuple(symbols))


FIGURES = [
    figure("PMC1__a", "2001", genes=[("TP53", "7157", "Homo sapiens"), ("Trp53", "22059", "Mus musculus"),
                                     ("STAT3", "6774", "Homo sapiens"), ("Stat3", "20848", "Mus musculus")],
           organisms=("Homo sapiens",)),
    figure("PMC2__b", "2002", genes=[("tp53", "7157", "Homo sapiens"), ("AKT1", "207", ""), ("AKT1", "207", "")],
           organisms=("Homo sapiens", "Mus musculus")),
    figure("PMC3__c", "2003", symbols=("TP53", "MYC", "myc"), organisms=("Homo sapiens", "NA")),
    figure("PMC4__d", "2004", symbols=("EGFR",), organisms=()),  # no organism: in no analysis
    figure("PMC5__e", "2005", organisms=("Homo sapiens",)),  # no gene: not tested
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("analysis")
    write_search_index([search_record(f) for f in FIGURES], folder, jobs=1)
    return read_index(folder)


def test_gene_sets_follow_the_table_rows_organisms(index):
    human, mouse = index["Homo sapiens"], index["Mus musculus"]
    # doc ids count from the oldest: PMC1 0, PMC2 1, PMC3 2, PMC4 3, PMC5 4
    assert human["genes"]["TP53"] == ("TP53", [0, 1, 2])  # 'tp53' in PMC2 is the same key
    assert human["genes"]["STAT3"] == ("STAT3", [0])
    assert mouse["genes"]["TRP53"] == ("Trp53", [0])  # shown as spelled
    # a row without an organism counts for each of the figure's organisms
    assert human["genes"]["AKT1"] == ("AKT1", [1]) and mouse["genes"]["AKT1"] == ("AKT1", [1])
    assert human["genes"]["MYC"] == ("MYC", [2])  # keywords, any case: one gene
    assert "EGFR" not in human["genes"]
    assert set(index) == {"Homo sapiens", "Mus musculus"}


def test_sizes_background_and_figures_tested(index):
    human, mouse = index["Homo sapiens"], index["Mus musculus"]
    assert human["sizes"] == {0: 2, 1: 2, 2: 2}
    assert mouse["sizes"] == {0: 2, 1: 1}
    assert (human["figures"], human["background"]) == (3, 4)  # TP53 STAT3 AKT1 MYC
    assert (mouse["figures"], mouse["background"]) == (2, 3)  # TRP53 STAT3 AKT1


def test_ncbi_gene_ids_name_their_organisms_symbols(index):
    assert index["Homo sapiens"]["ids"] == {"7157": ["TP53"], "6774": ["STAT3"], "207": ["AKT1"]}
    assert index["Mus musculus"]["ids"] == {"22059": ["TRP53"], "20848": ["STAT3"], "207": ["AKT1"]}


def test_keys_are_upper_case_in_python_as_in_javascript():
    assert analysis.gene_key("tp53") == "TP53" == analysis.gene_key("Tp53")
    worker = (REPO / "static" / "analyse-worker.js").read_text(encoding="utf-8")
    assert "token.toUpperCase()" in worker


def test_large_organisms_are_sharded_in_key_order(tmp_path, monkeypatch):
    monkeypatch.setattr(analysis, "SHARD_BYTES", 200)
    many = [figure(f"PMC{i}__f", "2010", symbols=[f"G{j}" for j in range(i % 7, 60, 3)]) for i in range(1, 40)]
    write_search_index([search_record(f) for f in many], tmp_path, jobs=1)
    human = read_index(tmp_path)["Homo sapiens"]
    assert len(human["firsts"]) > 5
    assert human["firsts"] == sorted(human["firsts"])
    assert len(human["genes"]) == 60


def test_output_is_deterministic(tmp_path):
    records = [search_record(f) for f in FIGURES]
    write_search_index(records, tmp_path / "a", jobs=1)
    write_search_index(list(reversed(records)), tmp_path / "b", jobs=2)
    files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "search").rglob("*")) if p.is_file()}
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_scripts_write_text_not_markup():
    for name in ("analyse.js", "analyse-worker.js"):
        script = (REPO / "static" / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in script, (name, sink)
        assert "http://" not in script and "https://" not in script, name
