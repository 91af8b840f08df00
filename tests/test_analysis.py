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


def rice_gaps(data: bytes, count: int, b: int) -> list[int]:
    """The doc ids of `count` Rice-coded gaps (parameter b), as static/analyse-worker.js reads them."""
    bits = "".join(format(byte, "08b") for byte in data)
    docs, doc, at = [], -1, 0
    for _ in range(count):
        high = 0
        while bits[at] == "1":
            high, at = high + 1, at + 1
        at += 1
        low = int(bits[at:at + b], 2) if b else 0
        at += b
        doc += (high << b) + low + 1
        docs.append(doc)
    assert len(bits) - at < 8 and set(bits[at:]) <= {"0"}, "the padding is under a byte of zero bits"
    return docs


def read_index(folder: Path) -> dict:
    """{"all", "organisms": {name: (figures, background, member docs)}, "sizes": [...],
    "genes": {key: (spelling, [docs])}, "ids": {id: [keys]}, "firsts": [first key of each shard]}"""
    manifest = json.loads((folder / "search" / "analysis.json").read_bytes())
    data = lambda name: (folder / "search" / "analysis" / f"{name}.bin").read_bytes()
    organisms = {}
    for name, figures, background, members in manifest["organisms"]:
        reader, docs, doc = Reader(data(members)), [], -1
        while reader.pos < len(reader.data):
            doc += reader.varint()
            docs.append(doc)
        organisms[name] = (figures, background, docs)
    reader = Reader(data(manifest["sizes"]))
    sizes = [reader.varint() for _ in range(manifest["docs"])]
    genes, ids, firsts, order = {}, {}, [], []
    for first, shard in manifest["genes"]:
        reader, previous = Reader(data(shard)), b""
        while reader.pos < len(reader.data):
            shared, length = reader.varint(), reader.varint()
            name = previous[:shared] + reader.data[reader.pos:reader.pos + length]
            reader.pos += length
            previous = name
            key = name.decode("utf-8")
            if not order:
                assert key == first
            order.append(key)
            head = reader.varint()
            count, code = head >> 2, head & 3
            if count == 0:
                ids[key] = [reader.text() for _ in range(reader.varint())]
                continue
            spelling = [key, key[:1] + key[1:].lower(), key.lower(), None][code]
            if spelling is None:
                spelling = reader.text()
            if manifest["format"] == 2:  # varint gaps (sites built before format 3: for benchmarks/analyse_scale.py)
                docs, doc = [], -1
                for _ in range(count):
                    doc += reader.varint()
                    docs.append(doc)
            else:
                b = reader.data[reader.pos]
                reader.pos += 1
                size = reader.varint()
                docs = rice_gaps(reader.data[reader.pos:reader.pos + size], count, b)
                reader.pos += size
            genes[key] = (spelling, docs)
        firsts.append(first)
        order.append(None)  # shard boundary
    keys = [k for k in order if k is not None]
    assert keys == sorted(keys, key=lambda k: k.encode("utf-16-be"))
    return {"all": manifest["all"], "organisms": organisms, "sizes": sizes, "genes": genes, "ids": ids, "firsts": firsts}


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


def test_gene_sets_are_the_figures_symbols_in_any_case(index):
    # doc ids count from the oldest: PMC1 0, PMC2 1, PMC3 2, PMC4 3, PMC5 4
    genes = index["genes"]
    assert genes["TP53"] == ("TP53", [0, 1, 2])  # 'tp53' in PMC2 is the same key
    assert genes["TRP53"] == ("Trp53", [0])  # shown as spelled: first letter, then lower case
    assert genes["STAT3"] == ("STAT3", [0])  # 'Stat3' too: shown as the key, which a figure writes
    assert genes["AKT1"] == ("AKT1", [1])
    assert genes["MYC"] == ("MYC", [2])  # keywords, any case: one gene
    assert genes["EGFR"] == ("EGFR", [3])
    assert index["sizes"] == [3, 2, 2, 1, 0]


def test_figures_belong_to_their_papers_and_their_tables_organisms(index):
    organisms = index["organisms"]
    # PMC1's paper names Homo sapiens, its table's rows Mus musculus too; PMC5 has no gene;
    # PMC4 names no organism: only in "all"
    assert organisms["Homo sapiens"] == (3, 5, [0, 1, 2])  # TP53 TRP53 STAT3 AKT1 MYC
    assert organisms["Mus musculus"] == (2, 4, [0, 1])  # TP53 TRP53 STAT3 AKT1
    assert set(organisms) == {"Homo sapiens", "Mus musculus"}
    assert index["all"] == [4, 6]


def test_ncbi_gene_ids_name_their_symbols(index):
    assert index["ids"] == {"7157": ["TP53"], "22059": ["TRP53"], "6774": ["STAT3"], "20848": ["STAT3"], "207": ["AKT1"]}


def test_an_id_naming_two_symbols_names_both(tmp_path):
    two = figure("PMC7__g", "2010", genes=[("AKT1", "207", "Homo sapiens"), ("AKT", "207", "Homo sapiens")])
    write_search_index([search_record(two)], tmp_path, jobs=1)
    assert read_index(tmp_path)["ids"] == {"207": ["AKT", "AKT1"]}


def test_unusual_spellings_are_kept(tmp_path):
    odd = figure("PMC8__h", "2010", symbols=("Pi3K92E", "hh", "NF-κB", "nf-κb"))
    write_search_index([search_record(odd)], tmp_path, jobs=1)
    genes = read_index(tmp_path)["genes"]
    assert genes["PI3K92E"] == ("Pi3K92E", [0]) and genes["HH"] == ("hh", [0])
    assert genes["NF-ΚB"] == ("NF-κB", [0])  # upper-cased as JavaScript does


def test_keys_are_upper_case_in_python_as_in_javascript():
    assert analysis.gene_key("tp53") == "TP53" == analysis.gene_key("Tp53")
    worker = (REPO / "static" / "analyse-worker.js").read_text(encoding="utf-8")
    assert "token.toUpperCase()" in worker


def test_large_organisms_are_sharded_in_key_order(tmp_path, monkeypatch):
    monkeypatch.setattr(analysis, "SHARD_BYTES", 100)
    many = [figure(f"PMC{i}__f", "2010", symbols=[f"G{j}" for j in range(i % 7, 60, 3)]) for i in range(1, 40)]
    write_search_index([search_record(f) for f in many], tmp_path, jobs=1)
    built = read_index(tmp_path)
    assert len(built["firsts"]) > 5  # read_index checks the order across shards
    assert len(built["genes"]) == 60


def test_postings_are_rice_coded_compactly():
    docs = [0, 1, 2, 7, 900, 901, 60_000, 99_999]  # gaps from 1 to ~59k: short and long unary runs
    gaps = [d - p for d, p in zip(docs, [-1] + docs)]
    for b in range(0, 18):
        assert rice_gaps(analysis.rice(gaps, b), len(docs), b) == docs
    common = list(range(0, 100_000, 10))  # a gene in every tenth figure: ~5 bits a posting, not 8
    b = analysis.rice_parameter(len(common), 100_000)
    coded = analysis.rice([10] * len(common), b)
    assert rice_gaps(coded, len(common), b) == [9 + 10 * i for i in range(len(common))]
    assert len(coded) < 0.7 * len(common)


def test_shard_boundaries_are_content_defined(monkeypatch):
    """A gene's change rewrites its own shard and maybe a neighbour, not every later one."""
    monkeypatch.setattr(analysis, "SHARD_BYTES", 400)
    entries = [(f"G{i:05d}", bytes([4 * (1 + i % 23)]) + bytes(i % 37)) for i in range(3000)]
    before = dict(analysis.shards(entries))
    assert 50 < len(before) < 200
    sizes = [len(shard) for shard in before.values()]
    assert max(sizes) <= 2 * 400 + 60 and sorted(sizes)[len(sizes) // 2] >= 300
    changed = list(entries)
    changed[1500] = (changed[1500][0], changed[1500][1] + bytes(150))  # one gene in more figures
    after = dict(analysis.shards(changed))
    assert len(set(after.items()) - set(before.items())) <= 3
    removed = entries[:1200] + entries[1201:]  # one gene gone
    assert len(set(dict(analysis.shards(removed)).items()) - set(before.items())) <= 3


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
