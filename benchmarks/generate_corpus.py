#!/usr/bin/env python3
"""Generate a synthetic Pathway Figure OCR (PFOCR) content folder for benchmarks.

    python benchmarks/generate_corpus.py --figures 100000 --out /tmp/corpus-100k [--seed 1]

writes ``OUT/figures/<figid>.md`` (YAML front matter, no body) and, for some figures,
``OUT/data/<figid>-genes.tsv``, ``-chemicals.tsv`` and ``-diseases.tsv`` in the same format
as the real records (see ../shared/corpus). From Python: ``generate(out_dir, figures, seed)``.

The shape follows the 63 real records: caption length (mean ~720 chars, max 1800), title
length (~90), gene symbols in ``schema-jsonld.keywords`` (median ~40, mean ~50, long tail to a
few hundred) drawn with Zipf-like popularity from ~25k generated symbols, organisms (about
half ``['NA']``, otherwise lists led by Homo sapiens / Mus musculus / Rattus norvegicus with a
long tail), years 1995-2024 weighted to recent ones, ~500 journals, several figures per paper
for some papers, ~5% records in the older shape (``organisms`` a plain string; ``genes``,
``chemicals``, ``diseases``, ``annotations`` inside the front matter), the share of figures
with each table and the table sizes as in the corpus. Like the real data, ``schema-jsonld``
carries ``license: CC0`` / ``name: CreativeWork`` and ~1% of paper keywords carry mojibake.

Deterministic: the same seed (and Python version) gives byte-identical files. Everything is
drawn from one ``random.Random(seed)`` in a fixed order and no set/hash order is ever
iterated. The YAML is written by a small emitter (plain or single-quoted scalars, folded at
80 columns) that reproduces PyYAML's ``safe_dump(allow_unicode=True, sort_keys=False)``
output byte for byte -- the layout of the real records -- at a fraction of the cost; every
document loads with ``yaml.safe_load`` to exactly the generated mapping
(tests/test_generate_corpus.py checks this).

Speed: ~40 s CPU for 100k figures; wall time also depends on how fast the disk creates
~160k small files. Writing into a non-empty figures/ or data/ folder is refused unless
``--clean`` (which deletes only the *.md / *.tsv files there).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's site_builder
from site_builder.write import write_file  # noqa: E402

__all__ = ["generate", "Corpus", "dump_front_matter"]

GENES_HEADER = ("organism_id\torganism_name\torganism_group\tword\tmatch\tncbigene_symbol\t"
                "ncbigene_id\tsource\tcount_direct\tcount_synonym\tcount_match")
CHEMICALS_HEADER = "word\tmesh\tmatch\tname\tchebi"
DISEASES_HEADER = "word\tmesh\tmatch\tname\tdoid"

# Shares measured on the 63 real records (../shared/corpus): genes table 20/63, chemicals
# 13/63 (10 of them together with genes), diseases 3/63; older shape 2/63 (brief: ~5%).
P_GENES = 0.317
P_CHEM_WITH_GENES, P_CHEM_WITHOUT = 0.50, 0.075
P_DIS_WITH_GENES, P_DIS_WITHOUT = 0.12, 0.014
P_OLD_STYLE = 0.05
P_UNICODE_CAPTION = 0.10
CAPTION_MAX = 1800
WIDTH = 80  # PyYAML's default folding width

# --------------------------------------------------------------------------------------
# YAML emitting
# --------------------------------------------------------------------------------------
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_plain_cache: dict[str, bool] = {}


def _plain_ok(s: str) -> bool:
    """Can s be written as a plain scalar and read back as the same string?"""
    if not s or s[0] in _INDICATORS or s[0] == " " or s[-1] in " :":
        return False
    if ": " in s or " #" in s or "\t" in s or "\n" in s:
        return False
    for _tag, regexp in _RESOLVERS.get(s[0], ()):
        if regexp.match(s):  # would load as int/float/bool/null/timestamp
            return False
    return True


def _scalar_words(s: str) -> str:
    """The scalar as YAML text (unfolded)."""
    ok = _plain_cache.get(s)
    if ok is None:
        ok = _plain_ok(s)
        if len(s) < 30:  # gene symbols, organisms, chemical words: worth remembering
            _plain_cache[s] = ok
    return s if ok else "'" + s.replace("'", "''") + "'"


def _fold(text: str, column: int, indent: str) -> str:
    """Fold a one-line scalar text at single spaces once past WIDTH (YAML folding turns the
    line break back into that one space). Text with runs of spaces is left on one line."""
    if column + len(text) <= WIDTH or "  " in text or text.endswith(" ") or text.startswith(" "):
        return text
    words = text.split(" ")
    out = [words[0]]
    col = column + len(words[0])
    cont = len(indent)
    for word in words[1:]:
        if col > WIDTH:  # as PyYAML: break at the first space past the width
            out.append("\n" + indent + word)
            col = cont + len(word)
        else:
            out.append(" " + word)
            col += 1 + len(word)
    return "".join(out)


def _emit_scalar(value: Any, column: int, indent: str) -> str:
    if type(value) is str:
        text = _scalar_words(value)
        return text if column + len(text) <= WIDTH else _fold(text, column, indent)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"cannot emit {type(value).__name__}")


def _emit_mapping(mapping: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    cont = pad + "  "
    for i, (key, value) in enumerate(mapping.items()):
        lead = first_prefix if (i == 0 and first_prefix is not None) else pad
        k = _scalar_words(key)
        if isinstance(value, dict):
            if value:
                out.append(f"{lead}{k}:\n")
                _emit_mapping(value, indent + 2, out)
            else:
                out.append(f"{lead}{k}: {{}}\n")
        elif isinstance(value, list):
            if value:
                out.append(f"{lead}{k}:\n")
                _emit_sequence(value, indent, out)
            else:
                out.append(f"{lead}{k}: []\n")
        else:
            col = len(lead) + len(k) + 2
            out.append(f"{lead}{k}: {_emit_scalar(value, col, cont)}\n")


def _emit_sequence(items: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    dash = pad + "- "
    column = indent + 2
    for item in items:
        if type(item) is str:
            text = _scalar_words(item)
            if column + len(text) > WIDTH:
                text = _fold(text, column, pad + "  ")
            out.append(dash + text + "\n")
        elif isinstance(item, dict) and item:
            _emit_mapping(item, indent + 2, out, first_prefix=pad + "- ")
        elif isinstance(item, (dict, list)):
            out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}\n")
        else:
            out.append(f"{pad}- {_emit_scalar(item, indent + 2, pad + '  ')}\n")


def dump_front_matter(record: dict) -> str:
    """The record as a PFOCR content file: '---', YAML block mapping, '---'."""
    out = ["---\n"]
    _emit_mapping(record, 0, out)
    out.append("---\n")
    return "".join(out)


# --------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------
FAMOUS_GENES = """TP53 AKT1 MAPK1 MAPK3 EGFR TNF IL6 MTOR PIK3CA STAT3 NFKB1 MAPK8 MAPK14 JUN MYC
CTNNB1 VEGFA IL1B CASP3 BCL2 BAX KRAS HRAS RAF1 BRAF MAP2K1 SRC JAK2 SMAD3 TGFB1 PTEN GSK3B
AKT2 RELA IKBKB CDKN1A CCND1 CDK4 MDM2 ATM ATR CHEK1 CHEK2 HIF1A NOTCH1 SHH GLI1 WNT3A LRP6
AXIN1 APC ERBB2 INS INSR IRS1 PRKAA1 SIRT1 FOXO3 NFE2L2 KEAP1 HMOX1 SOD1 CAT NOS3 NOS2 PTGS2
IL10 IFNG IL2 IL4 TLR4 MYD88 TRAF6 NLRP3 CASP1 IL18 GSDMD PPARG PPARA SREBF1 FASN ACACA CPT1A
LDLR HMGCR ESR1 AR PGR CDH1 CDH2 VIM SNAI1 TWIST1 ZEB1 MMP2 MMP9 TIMP1 SPP1 COL1A1 ACTA2 RPS6KB1
EIF4EBP1 RHEB TSC2 ULK1 BECN1 MAP1LC3B SQSTM1 PINK1 PRKN BAK1 CYCS APAF1 CASP9 CASP8 FADD
TNFRSF1A RIPK1 RIPK3 MLKL GPX4 SLC7A11 ACSL4 TFRC FTH1 NCOA4 PIK3R1 PDPK1 AKT3 MAPK9 MAP2K2
NRAS SOS1 GRB2 SHC1 PLCG1 PRKCA CAMK2A CREB1 FOS EP300 CREBBP HDAC1 DNMT1 EZH2 YAP1 TAZ LATS1
STK11 CDK2 CDK6 RB1 E2F1 CCNE1 PCNA BRCA1 BRCA2 RAD51 PARP1 H2AX XRCC1 MLH1 MSH2 IL17A IL23A
CXCL8 CCL2 ICAM1 VCAM1 SELE NFKBIA IKBKG TBK1 IRF3 STING1 CGAS IFNB1 ISG15 MX1 OAS1 ACE2
TMPRSS2 AGT AGTR1 REN NPPA EDN1 KDR FLT1 PDGFRB FGF2 FGFR1 IGF1 IGF1R GH1 LEP ADIPOQ UCP1
PPARGC1A TFAM CPT2 HK2 PKM LDHA PDK1 SLC2A1 G6PD IDH1 IDH2 GLS SLC1A5 ASNS ARG1 ODC1 SHMT2""".split()

# (prefix, members) - real-looking gene families, kept together so a figure can mention
# a whole family at once (WNT1..WNT16, ADCY1..ADCY10), as real pathway figures do.
_NAMED_FAMILIES: list[tuple[str, list[str]]] = [
    ("MAPK", [str(i) for i in range(1, 16)]),
    ("AKT", ["1", "2", "3"]),
    ("PIK3C", ["A", "B", "D", "G", "2A", "2B", "2G", "3"]),
    ("PIK3R", ["1", "2", "3", "4", "5", "6"]),
    ("WNT", "1 2 2B 3 3A 4 5A 5B 6 7A 7B 8A 8B 9A 9B 10A 10B 11 16".split()),
    ("FZD", [str(i) for i in range(1, 11)]),
    ("TLR", [str(i) for i in range(1, 11)]),
    ("CASP", [str(i) for i in range(1, 15)]),
    ("ADCY", [str(i) for i in range(1, 11)]),
    ("PRKC", list("ABGDEHIQZ")),
    ("PRKAR", ["1A", "1B", "2A", "2B"]),
    ("PRKAC", ["A", "B", "G"]),
    ("PLCB", ["1", "2", "3", "4"]),
    ("PLCD", ["1", "3", "4"]),
    ("PLCG", ["1", "2"]),
    ("JAK", ["1", "2", "3"]),
    ("STAT", ["1", "2", "3", "4", "5A", "5B", "6"]),
    ("SMAD", [str(i) for i in range(1, 10)]),
    ("NOTCH", ["1", "2", "3", "4"]),
    ("FGF", [str(i) for i in range(1, 24)]),
    ("FGFR", ["1", "2", "3", "4"]),
    ("CDK", [str(i) for i in range(1, 21)]),
    ("IL", [str(i) for i in range(1, 41)]),
    ("CXCL", [str(i) for i in range(1, 18)]),
    ("CCL", [str(i) for i in range(1, 29)]),
    ("CCR", [str(i) for i in range(1, 11)]),
    ("HOXA", [str(i) for i in range(1, 14)]),
    ("HOXB", [str(i) for i in range(1, 14)]),
    ("HOXC", [str(i) for i in range(4, 14)]),
    ("HOXD", [str(i) for i in range(1, 14)]),
    ("BMP", [str(i) for i in range(1, 16)]),
    ("TGFB", ["1", "2", "3", "R1", "R2", "R3"]),
    ("NFKB", ["1", "2", "IA", "IB", "IE"]),
    ("ERBB", ["2", "3", "4"]),
    ("SOX", [str(i) for i in range(1, 31)]),
    ("KLF", [str(i) for i in range(1, 18)]),
    ("GATA", [str(i) for i in range(1, 7)]),
    ("HDAC", [str(i) for i in range(1, 12)]),
    ("SIRT", [str(i) for i in range(1, 8)]),
    ("NOX", ["1", "3", "4", "5", "A1", "O1"]),
    ("NOS", ["1", "2", "3"]),
    ("MMP", [str(i) for i in range(1, 29)]),
    ("ITGA", [str(i) for i in range(1, 12)] + ["V", "L", "M", "X", "E"]),
    ("ITGB", [str(i) for i in range(1, 9)]),
    ("TNFRSF", [str(i) for i in range(1, 26)] + ["10A", "10B", "11A", "11B", "12A", "13B", "13C"]),
    ("TNFSF", [str(i) for i in range(4, 19)] + ["13B"]),
    ("SLC2A", [str(i) for i in range(1, 15)]),
    ("SLC1A", [str(i) for i in range(1, 8)]),
    ("SLC7A", [str(i) for i in range(1, 15)]),
    ("ATG", ["3", "4A", "4B", "5", "7", "9A", "10", "12", "13", "14", "16L1", "101"]),
    ("EIF2AK", ["1", "2", "3", "4"]),
    ("ATF", [str(i) for i in range(1, 8)]),
    ("CREB", ["1", "3", "5", "BP", "ZF"]),
    ("RPS6KA", [str(i) for i in range(1, 7)]),
    ("PPP2R", ["1A", "1B", "2A", "2B", "5A", "5C"]),
    ("GNA", ["I1", "I2", "I3", "O1", "Q", "S", "11", "12", "13", "14", "15"]),
    ("GNB", ["1", "2", "3", "4", "5"]),
    ("GNG", ["2", "3", "4", "5", "7", "8", "10", "11", "12", "13"]),
    ("RAC", ["1", "2", "3"]),
    ("RHO", ["A", "B", "C", "D", "F", "G", "H", "J", "Q", "U", "V"]),
    ("CDC42", ["", "BPA", "BPB", "EP1", "EP2"]),
    ("TRAF", ["1", "2", "3", "4", "5", "6", "7"]),
    ("IRF", [str(i) for i in range(1, 10)]),
    ("IFNA", ["1", "2", "4", "5", "6", "7", "8", "10", "13", "14", "16", "17", "21"]),
    ("FOXO", ["1", "3", "4", "6"]),
    ("FOXP", ["1", "2", "3", "4"]),
    ("E2F", [str(i) for i in range(1, 9)]),
    ("CCN", ["A1", "A2", "B1", "B2", "D1", "D2", "D3", "E1", "E2", "H", "K", "T1"]),
    ("CDKN", ["1A", "1B", "1C", "2A", "2B", "2C", "2D", "3"]),
    ("BCL2", ["", "L1", "L2", "L10", "L11", "L12", "L13", "L14", "L15", "A1"]),
    ("HSPA", ["1A", "1B", "1L", "2", "4", "5", "6", "8", "9", "12A", "13", "14"]),
    ("HSP90", ["AA1", "AB1", "B1"]),
    ("DUSP", [str(i) for i in range(1, 29)]),
    ("PTPN", [str(i) for i in range(1, 24)]),
    ("SHC", ["1", "2", "3", "4"]),
    ("LRP", ["1", "2", "4", "5", "6", "8", "10", "12"]),
    ("NTRK", ["1", "2", "3"]),
    ("EPHA", [str(i) for i in range(1, 9)]),
    ("EPHB", ["1", "2", "3", "4", "6"]),
    ("ACSL", ["1", "3", "4", "5", "6"]),
    ("GPX", [str(i) for i in range(1, 9)]),
    ("SOD", ["1", "2", "3"]),
    ("ALDH", ["1A1", "1A2", "1A3", "1B1", "2", "3A1", "3A2", "4A1", "5A1", "6A1", "7A1", "9A1"]),
    ("CYP1", ["A1", "A2", "B1"]),
    ("CYP2", ["A6", "B6", "C8", "C9", "C19", "D6", "E1", "J2"]),
    ("CYP3", ["A4", "A5", "A7", "A43"]),
    ("NDUFA", [str(i) for i in range(1, 14)]),
    ("NDUFB", [str(i) for i in range(1, 12)]),
    ("NDUFS", [str(i) for i in range(1, 9)]),
    ("COX", ["4I1", "5A", "5B", "6A1", "6B1", "6C", "7A2", "7B", "7C", "8A"]),
    ("ATP5", ["F1A", "F1B", "F1C", "F1D", "F1E", "PB", "PD", "PF", "PO", "MC1"]),
    ("RPL", [str(i) for i in range(3, 42)]),
    ("RPS", [str(i) for i in range(2, 30)]),
    ("KRT", [str(i) for i in range(1, 41)] + [str(i) for i in range(71, 87)]),
    ("COL1A", ["1", "2"]), ("COL2A", ["1"]), ("COL3A", ["1"]),
    ("COL4A", [str(i) for i in range(1, 7)]), ("COL5A", ["1", "2", "3"]), ("COL6A", ["1", "2", "3"]),
    ("CACNA1", list("ABCDEFGHIS")),
    ("KCNJ", [str(i) for i in range(1, 17)]),
    ("KCNQ", ["1", "2", "3", "4", "5"]),
    ("SCN", ["1A", "2A", "3A", "4A", "5A", "7A", "8A", "9A", "10A", "11A"]),
    ("ABCA", [str(i) for i in range(1, 14)]),
    ("ABCB", [str(i) for i in range(1, 12)]),
    ("ABCC", [str(i) for i in range(1, 13)]),
    ("ABCG", ["1", "2", "4", "5", "8"]),
    ("UGT1A", ["1", "3", "4", "6", "7", "8", "9", "10"]),
    ("TRIM", [str(i) for i in range(1, 76)]),
    ("USP", [str(i) for i in range(1, 55)]),
    ("RAB", [str(i) for i in range(1, 44)] + ["5A", "5B", "5C", "7A", "11A", "11B", "27A", "27B"]),
    ("WDR", [str(i) for i in range(1, 95)]),
    ("ZBTB", [str(i) for i in range(1, 49)]),
    ("ANKRD", [str(i) for i in range(1, 66)]),
    ("LRRC", [str(i) for i in range(1, 75)]),
    ("TBC1D", [str(i) for i in range(1, 33)]),
    ("ARHGEF", [str(i) for i in range(1, 41)]),
    ("ARHGAP", [str(i) for i in range(1, 46)]),
    ("PCDHA", [str(i) for i in range(1, 14)]),
    ("PCDHB", [str(i) for i in range(1, 19)]),
    ("H2BC", [str(i) for i in range(1, 22)]),
    ("H2AC", [str(i) for i in range(1, 22)]),
    ("H3C", [str(i) for i in range(1, 16)]),
    ("S100A", [str(i) for i in range(1, 17)]),
    ("SERPINB", [str(i) for i in range(1, 14)]),
    ("SERPINA", [str(i) for i in range(1, 13)]),
    ("GSTM", ["1", "2", "3", "4", "5"]),
    ("UBE2", list("ABCDEFGHIJKLMNQRSTVWZ")),
]

_FLY_WORDS = """dpp gbb put tkv sax Mad Med brk hh ptc smo ci fu cos wg arm pan fz dsh sgg Axn
Apc N Dl Ser mam Su(H) hpo wts sav mats yki sd ex mer ft ds Egfr rl Ras85D phl Dsor1 pnt aop
Tor Pi3K92E Akt1 foxo InR chico Thor S6k Lk6 Atg1 Atg5 Atg8a ref(2)P Dif dl Rel imd Tak1 key
Myd88 Tl spz pll tub cact Hop Stat92E dome upd1 upd2 upd3 Socs36E bsk hep Jra kay puc egr grnd
wgn Dronc Dcp-1 Drice rpr hid grim Diap1 p53 Mdm2 how slow ar Act88F bgcn pyr pal Pep sta cyc
LanA CycE Lac Cse1 Drep4 Acam scb Anp Mmp1 Obp84a achi emc Ne sc ac ase l(1)sc da h E(spl)m8
Hr38 ftz eve hb Kr kni gt tll bcd nos osk vas aub piwi AGO1 AGO2 Dcr-1 Dcr-2 loqs r2d2""".split()
_FLY_WORDS = [w for w in _FLY_WORDS if "(" not in w]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


class Corpus:
    """Vocabularies (built from the seed) and the figure generator."""

    def __init__(self, seed: int = 1):
        self.seed = seed
        self.rng = random.Random(seed)
        self._build_genes()
        self._build_terms()
        self._build_organisms()
        self._build_journals()
        self._build_text()
        self._year_cum = list(accumulate(1.17 ** i for i in range(30)))

    # --- genes ---------------------------------------------------------------------
    def _build_genes(self) -> None:
        rng = self.rng
        families: list[list[str]] = []
        seen: dict[str, int] = {}

        def add_family(members: list[str]) -> None:
            fresh = [m for m in members if m and m not in seen
                     and m[0].isalnum() and len(m) <= 40]
            if not fresh:
                return
            for m in fresh:
                seen[m] = len(families)
            families.append(fresh)

        for prefix, suffixes in _NAMED_FAMILIES:
            add_family([prefix + s for s in suffixes])
        for g in FAMOUS_GENES:
            add_family([g])

        def numbered(prefix: str, count: int, upto: int, fam_size: int = 1) -> None:
            nums = sorted(rng.sample(range(1, upto + 1), count))
            for i in range(0, len(nums), fam_size):
                add_family([f"{prefix}{n}" for n in nums[i:i + fam_size]])

        numbered("ZNF", 700, 900, 1)
        numbered("TMEM", 260, 270, 1)
        numbered("CCDC", 180, 200, 1)
        numbered("KIAA", 150, 2100, 1)
        numbered("LINC", 800, 2800, 1)
        numbered("MIR", 1400, 9000, 1)
        numbered("LOC", 500, 999999, 1)
        for n in range(1, 51):  # SLC families: SLC{n}A{m}
            add_family([f"SLC{n}A{m}" for m in range(1, rng.randint(2, 15))])
        for fam_letter in "ABCDEFGHIJKLMNTZ":  # olfactory receptors OR{n}{L}{m}
            for n in rng.sample(range(1, 15), 5):
                add_family([f"OR{n}{fam_letter}{m}" for m in range(1, rng.randint(2, 12))])
        for chrom in list(range(1, 23)) + ["X"]:
            numbered(f"C{chrom}orf", 12, 200, 1)
        for n in range(1, 240):  # FAM{n}{A,B,C}
            add_family([f"FAM{n}{l}" for l in "ABC"[: rng.randint(1, 3)]])
        # pseudogenes of real-looking parents (BTF3P11, H3P16)
        parents = [f[0] for f in families if len(f[0]) <= 7]
        for _ in range(1500):
            add_family([f"{rng.choice(parents)}P{rng.randint(1, 40)}"])

        # invented families with real-looking prefixes, to reach ~20k upper-case symbols
        cons, vows = "BCDFGHKLMNPRSTVWZ", "AEIOU"
        while len(seen) < 20000:
            plen = rng.choice((3, 3, 4, 4, 4, 5))
            prefix = "".join(rng.choice(cons) if i % 2 == 0 or rng.random() < 0.55 else rng.choice(vows)
                             for i in range(plen))
            size = min(int(rng.paretovariate(1.3)), 14)
            start = rng.randint(1, 3)
            tail = rng.choice(("", "", "", "", "A", "L", "B"))
            add_family([f"{prefix}{start + k}{tail}" for k in range(size)])

        upper = [g for fam in families for g in fam]
        # mouse/rat style copies (Akt1, Mtor), zebrafish style (mtor, rab1ab), fly names
        for g in rng.sample(upper, 3800):
            add_family([g[0] + g[1:].lower()])
        for g in rng.sample(upper, 700):
            low = g.lower()
            add_family([low + rng.choice(("", "", "a", "b"))])
        add_family(_FLY_WORDS[:60])
        for w in _FLY_WORDS[60:]:
            add_family([w])
        for _ in range(400):
            add_family(["".join(rng.choice("bcdfghklmnprstvwz") + rng.choice("aeiou")
                                for _ in range(rng.randint(1, 3)))])

        self.gene_families = families
        self.gene_family_of = seen
        symbols = [g for fam in families for g in fam]
        # Popularity: famous genes first, then the rest in a seeded shuffle; Zipf weights.
        famous = [g for g in FAMOUS_GENES if g in seen]
        famous_set = dict.fromkeys(famous)
        rest = [g for g in symbols if g not in famous_set]
        rng.shuffle(rest)
        self.genes_by_rank = famous + rest
        weights = [1.0 / (r + 60) ** 1.05 for r in range(len(self.genes_by_rank))]
        self.gene_cum = list(accumulate(weights))
        self.gene_id = {g: (rng.randint(1, 130000) if g.isupper() else rng.randint(10000, 800000))
                        for g in symbols}

    def draw_genes(self, rng: random.Random, count: int) -> list[str]:
        """count distinct symbols; some picks bring their whole family (or a run of it)."""
        chosen: dict[str, None] = {}
        tries = 0
        while len(chosen) < count and tries < 8:
            tries += 1
            need = count - len(chosen)
            for g in rng.choices(self.genes_by_rank, cum_weights=self.gene_cum, k=need + 2):
                if rng.random() < 0.12:
                    fam = self.gene_families[self.gene_family_of[g]]
                    if len(fam) > 1:
                        run = rng.randint(2, min(len(fam), 16))
                        start = rng.randint(0, len(fam) - run)
                        for m in fam[start:start + run]:
                            chosen[m] = None
                        continue
                chosen[g] = None
        return list(chosen)[:count]

    # --- chemicals and diseases ----------------------------------------------------
    def _build_terms(self) -> None:
        rng = self.rng
        real_chems = """glucose pyruvate lactate ATP ADP AMP cAMP cGMP NAD+ NADH NADPH FAD
acetyl-CoA citrate succinate fumarate malate oxaloacetate alpha-ketoglutarate glutamate glutamine
aspartate asparagine arginine ornithine citrulline serine glycine cysteine methionine tryptophan
kynurenine serotonin melatonin dopamine norepinephrine epinephrine acetylcholine GABA histamine
cholesterol palmitate oleate arachidonic acid prostaglandin E2 leukotriene B4 ceramide
sphingosine-1-phosphate diacylglycerol IP3 PIP2 PIP3 calcium Ca2+ zinc iron copper heme
bilirubin glutathione H2O2 superoxide nitric oxide reactive oxygen species ethanol nicotine
caffeine metformin rapamycin insulin glucagon cortisol estradiol testosterone progesterone
retinoic acid vitamin D3 calcitriol folate tetrahydrofolate S-adenosylmethionine homocysteine
urea ammonia creatine phosphocreatine fructose-6-phosphate glucose-6-phosphate
fructose-1,6-bisphosphate glyceraldehyde-3-phosphate phosphoenolpyruvate ribose-5-phosphate
UDP-glucose glycogen trehalose sucrose starch lignin flavonoid anthocyanin quercetin resveratrol
curcumin berberine paclitaxel doxorubicin cisplatin 5-fluorouracil tamoxifen imatinib gefitinib
dexamethasone aspirin ibuprofen LPS bradykinin isoproterenol angiotensin II endothelin-1
hydrogen sulfide butyrate propionate acetate indole tryptamine bile acid taurocholate
jasmonic acid salicylic acid abscisic acid auxin gibberellin ethylene cytokinin brassinolide""".split("\n")
        names = []
        for line in real_chems:
            names.extend(line.split())
        # multi-word ones got split; re-add a few as phrases
        names += ["arachidonic acid", "prostaglandin E2", "leukotriene B4", "nitric oxide",
                  "retinoic acid", "vitamin D3", "bile acid", "jasmonic acid", "salicylic acid",
                  "abscisic acid", "angiotensin II", "reactive oxygen species", "fatty acid",
                  "Vitamin B6", "L-threonine", "Isopentenyl diphosphate", "Farnesyl diphosphate"]
        names = [n for n in names if n not in ("acid", "E2", "B4", "oxide", "D3", "II", "oxygen", "species")]
        locants = ["2-", "3-", "4-", "5-", "6-", "N-", "L-", "D-", "(+)-", "(-)-", "1,2-", "N6-", ""]
        mods = ["hydroxy", "methyl", "amino", "oxo", "acetyl", "phospho", "deoxy", "dihydro",
                "nitro", "chloro", "fluoro", "ethyl", "carboxy", "formyl", "sulfo", "glucosyl"]
        stems = ["butanoate", "glutamate", "pyruvate", "glucose", "indole", "benzoate", "cholesterol",
                 "adenosine", "tryptamine", "palmitate", "succinate", "citrate", "serine", "lysine",
                 "uridine", "guanosine", "inositol", "glycerol", "acetate", "propionate", "lactone",
                 "quinone", "flavone", "coumarin", "catechol", "tyrosine", "sphingosine", "retinal",
                 "ergosterol", "xanthine", "purine", "pyrimidine", "carnitine", "choline", "taurine"]
        chem: dict[str, None] = dict.fromkeys(names)
        while len(chem) < 3000:
            r = rng.random()
            if r < 0.8:
                n = rng.choice(locants) + rng.choice(mods) + rng.choice(stems)
            elif r < 0.9:
                n = f"compound {rng.randint(1, 60)}{rng.choice('abcdefg')}"
            else:
                n = f"{rng.choice(mods).capitalize()}{rng.choice(stems)} {rng.choice(('derivative', 'analog', 'ester', 'conjugate'))}"
            chem[n] = None
        self.chemicals = list(chem)
        self.chem_info = {}
        for n in self.chemicals:
            mesh = f"mesh:D{rng.randint(1, 66000):06d}" if rng.random() < 0.6 else f"mesh:C{rng.randint(1, 600000):06d}"
            if rng.random() < 0.7:
                self.chem_info[n] = (mesh, _cap(n) if rng.random() < 0.5 else n, n.lower(),
                                     f"chebi:{rng.randint(1, 190000)}")
            else:
                self.chem_info[n] = (mesh, "NA", "NA", "NA")
        self.chem_cum = list(accumulate(1.0 / (r + 5) for r in range(len(self.chemicals))))
        self.common_chemicals = self.chemicals[:300]

        diseases = """cancer|breast cancer|ovarian cancer|lung cancer|colorectal cancer|prostate cancer
hepatocellular carcinoma|gastric cancer|pancreatic cancer|glioblastoma|melanoma|lymphoma|leukemia
acute myeloid leukemia|multiple myeloma|Alzheimer disease|Parkinson disease|Huntington disease
amyotrophic lateral sclerosis|multiple sclerosis|epilepsy|stroke|ischemia|myocardial infarction
heart failure|atherosclerosis|hypertension|diabetes mellitus|type 2 diabetes|obesity|insulin resistance
nonalcoholic fatty liver disease|liver fibrosis|cirrhosis|hepatitis|chronic kidney disease
acute kidney injury|pulmonary fibrosis|asthma|COPD|COVID-19|sepsis|tuberculosis|malaria
influenza|HIV infection|rheumatoid arthritis|osteoarthritis|osteoporosis|psoriasis|lupus
inflammatory bowel disease|ulcerative colitis|Crohn disease|autism|schizophrenia|depression
anxiety|neuropathic pain|retinopathy|macular degeneration|cataract|glaucoma|muscular dystrophy
cystic fibrosis|sickle cell disease|thalassemia|hemophilia|anemia|endometriosis
polycystic ovary syndrome|preeclampsia|infertility|sarcopenia|cachexia|fibrosis|inflammation
neurodegeneration|tumor|metastasis|Neurotoxicity|hypertensives|breast and/or ovarian cancer""".replace("\n", "|").split("|")
        self.diseases = list(dict.fromkeys(d.strip() for d in diseases if d.strip()))
        self.dis_info = {}
        for n in self.diseases:
            mesh = f"mesh:D{rng.randint(1, 66000):06d}"
            if rng.random() < 0.4:
                self.dis_info[n] = (mesh, _cap(n), n.lower(), f"doid:{rng.randint(1, 14000)}")
            else:
                self.dis_info[n] = (mesh, "NA", "NA", "NA")
        self.dis_cum = list(accumulate(1.0 / (r + 3) for r in range(len(self.diseases))))

    # --- organisms -----------------------------------------------------------------
    def _build_organisms(self) -> None:
        rng = self.rng
        real = """Helicobacter pylori|Adenoviridae|Hepatitis B virus|Escherichia coli|Bacillus subtilis
Staphylococcus aureus|Staphylococcus epidermidis|Pseudomonas aeruginosa|Mycobacterium tuberculosis
Saccharomyces cerevisiae|Candida albicans|Arabidopsis thaliana|Oryza sativa|Zea mays|Glycine max
Nicotiana tabacum|Solanum lycopersicum|Triticum aestivum|Hordeum vulgare|Panax ginseng
Drosophila melanogaster|Danio rerio|Caenorhabditis elegans|Xenopus laevis|Gallus gallus|Bos taurus
Sus scrofa|Oryctolagus cuniculus|Macaca mulatta|Canis lupus familiaris|Ovis aries|Equus caballus
Severe acute respiratory syndrome coronavirus 2|Coronaviridae|Enterovirus|Human metapneumovirus
Klebsiella pneumoniae|Salmonella enterica|Listeria monocytogenes|Streptococcus pneumoniae
Cryptosporidium parvum|Aspergillus niger|Yarrowia lipolytica|Corynebacterium glutamicum
Eschscholzia californica|Dysidea avara|Punica granatum|gut metagenome|human metagenome
herbal medicine|synthetic organisms|uncultured bacterium|Rat sarcoma virus|Tobacco mosaic virus
Escherichia coli str. K-12 substr. MG1655|Bacillus subtilis subsp. subtilis str. 168
Camellia sinensis|Vitis vinifera|Malus domestica|Medicago truncatula|Populus sp.|Embryophyta""".replace("\n", "|").split("|")
        genera = ["Aspergillus", "Penicillium", "Bacillus", "Streptomyces", "Pseudomonas", "Clostridium",
                  "Lactobacillus", "Bifidobacterium", "Vibrio", "Rhizobium", "Fusarium", "Trichoderma",
                  "Solanum", "Brassica", "Citrus", "Prunus", "Salvia", "Artemisia", "Ganoderma", "Cordyceps",
                  "Eimeria", "Plasmodium", "Toxoplasma", "Leishmania", "Trypanosoma", "Schistosoma"]
        species = ["niger", "oryzae", "flavus", "subtilis", "coelicolor", "putida", "difficile", "plantarum",
                   "longum", "cholerae", "leguminosarum", "graminearum", "reesei", "tuberosum", "napus",
                   "sinensis", "persica", "miltiorrhiza", "annua", "lucidum", "militaris", "tenella",
                   "falciparum", "gondii", "major", "brucei", "mansoni", "officinalis", "japonica", "alba"]
        orgs = dict.fromkeys(o.strip() for o in real if o.strip())
        while len(orgs) < 400:
            orgs[f"{rng.choice(genera)} {rng.choice(species)}"] = None
        for o in ("Homo sapiens", "Mus musculus", "Rattus norvegicus"):
            orgs.pop(o, None)
        self.tail_organisms = list(orgs)
        self.tail_org_cum = list(accumulate(1.0 / (r + 12) for r in range(len(self.tail_organisms))))
        # organisms of gene matches in the genes table (taxid, name, group)
        self.gene_orgs = [
            ("9606", "Homo sapiens", "Primates"), ("7227", "Drosophila melanogaster", "Invertebrates"),
            ("10090", "Mus musculus", "Rodents"), ("7955", "Danio rerio", "Vertebrates"),
            ("10116", "Rattus norvegicus", "Rodents"), ("3702", "Arabidopsis thaliana", "Plants and Fungi"),
            ("511145", "Escherichia coli str. K-12 substr. MG1655", "Bacteria"),
            ("559292", "Saccharomyces cerevisiae S288C", "Plants and Fungi"),
            ("6239", "Caenorhabditis elegans", "Invertebrates"), ("1282", "Staphylococcus epidermidis", "Bacteria"),
        ]
        self.gene_org_weights = [50, 22, 8, 6, 4, 3, 2, 2, 2, 1]
        self.ner_orgs = [o[1] for o in self.gene_orgs[:8]]

    # --- journals ------------------------------------------------------------------
    def _build_journals(self) -> None:
        rng = self.rng
        subjects = [
            ("Immunology", "Immunol", "fimmu"), ("Oncology", "Oncol", "fonc"), ("Pharmacology", "Pharmacol", "fphar"),
            ("Plant Science", "Plant Sci", "fpls"), ("Cell and Developmental Biology", "Cell Dev Biol", "fcell"),
            ("Molecular Biosciences", "Mol Biosci", "fmolb"), ("Endocrinology", "Endocrinol", "fendo"),
            ("Neuroscience", "Neurosci", "fnins"), ("Cellular Neuroscience", "Cell Neurosci", "fncel"),
            ("Microbiology", "Microbiol", "fmicb"), ("Genetics", "Genet", "fgene"), ("Physiology", "Physiol", "fphys"),
            ("Nutrition", "Nutr", "fnut"), ("Cardiovascular Medicine", "Cardiovasc Med", "fcvm"),
            ("Medicine", "Med", "fmed"), ("Bioengineering and Biotechnology", "Bioeng Biotechnol", "fbioe"),
            ("Chemistry", "Chem", "fchem"), ("Aging Neuroscience", "Aging Neurosci", "fnagi"),
            ("Cellular and Infection Microbiology", "Cell Infect Microbiol", "fcimb"), ("Veterinary Science", "Vet Sci", "fvets"),
            ("Biochemistry", "Biochem", "biochem"), ("Cell Biology", "Cell Biol", "cellbio"), ("Hepatology", "Hepatol", "hep"),
            ("Virology", "Virol", "vir"), ("Toxicology", "Toxicol", "tox"), ("Nephrology", "Nephrol", "neph"),
            ("Dermatology", "Dermatol", "derm"), ("Gastroenterology", "Gastroenterol", "gast"),
            ("Hematology", "Hematol", "hem"), ("Rheumatology", "Rheumatol", "rheum"), ("Ophthalmology", "Ophthalmol", "oph"),
            ("Reproductive Biology", "Reprod Biol", "repr"), ("Molecular Medicine", "Mol Med", "molmed"),
            ("Biological Chemistry", "Biol Chem", "jbc"), ("Lipid Research", "Lipid Res", "jlr"),
            ("Experimental Botany", "Exp Bot", "jxb"), ("Bone and Mineral Research", "Bone Miner Res", "jbmr"),
            ("Inflammation", "Inflamm", "infl"), ("Cancer Research", "Cancer Res", "canres"),
            ("Stem Cell Research", "Stem Cell Res", "scr"), ("Metabolism", "Metab", "metab"),
            ("Translational Medicine", "Transl Med", "trm"), ("Neurochemistry", "Neurochem", "nchem"),
            ("Marine Drugs", "Mar Drugs", "md"), ("Natural Products", "Nat Prod", "np"), ("Biomedicine", "Biomed", "biomed"),
            ("Ecology", "Ecol", "ecol"), ("Bacteriology", "Bacteriol", "jb"), ("Proteomics", "Proteomics", "prot"),
            ("Genomics", "Genomics", "gen"), ("Cell Signaling", "Cell Signal", "sig"), ("Autophagy", "Autophagy", "auto"),
            ("Obesity", "Obesity", "obes"), ("Diabetes", "Diabetes", "diab"), ("Cardiology", "Cardiol", "card"),
            ("Pulmonology", "Pulmonol", "pulm"), ("Infectious Diseases", "Infect Dis", "infdis"),
            ("Pathology", "Pathol", "path"), ("Biotechnology", "Biotechnol", "biot"), ("Neurology", "Neurol", "neur"),
        ]
        templates = [
            ("Frontiers in {S}", "Front {A}", "Frontiers Media S.A.", "frontiers", 3389),
            ("International Journal of {S}", "Int J {A}", "MDPI", "mdpi", 3390),
            ("Journal of {S}", "J {A}", "Elsevier", "elsevier", 1016),
            ("{S} Research", "{A} Res", "Springer Berlin Heidelberg", "springer", 1007),
            ("Molecular {S}", "Mol {A}", "BioMed Central", "springer", 1186),
            ("Advances in {S}", "Adv {A}", "John Wiley and Sons Inc.", "wiley", 1002),
            ("Current Opinion in {S}", "Curr Opin {A}", "Elsevier", "elsevier", 1016),
            ("Trends in {S}", "Trends {A}", "Cell Press", "elsevier", 1016),
            ("European Journal of {S}", "Eur J {A}", "Springer US", "springer", 1007),
            ("Annals of {S}", "Ann {A}", "Oxford University Press", "oup", 1093),
            ("Chinese Journal of {S}", "Chin J {A}", "Baishideng Publishing Group Inc", "nih", 3748),
            ("Experimental {S}", "Exp {A}", "Nature Publishing Group UK", "springer", 1038),
            ("Clinical and Translational {S}", "Clin Transl {A}", "XIA & HE Publishing Inc.", "wiley", 14218),
            ("Reviews in {S}", "Rev {A}", "De Gruyter", "nih", 1515),
        ]
        journals: dict[str, tuple] = {}
        fixed = [
            ("Scientific Reports", "Sci Rep", "Nature Publishing Group UK", "springer", 1038),
            ("PLoS One", "PLoS One", "Public Library of Science", "nih", 1371),
            ("Cell Death & Disease", "Cell Death Dis", "Nature Publishing Group UK", "springer", 1038),
            ("bioRxiv", "bioRxiv", "Cold Spring Harbor Laboratory", "nih", 1101),
            ("Nature Communications", "Nat Commun", "Nature Publishing Group UK", "springer", 1038),
            ("Cells", "Cells", "MDPI", "mdpi", 3390),
            ("Cancers", "Cancers (Basel)", "MDPI", "mdpi", 3390),
            ("Signal Transduction and Targeted Therapy", "Signal Transduct Target Ther", "Nature Publishing Group UK", "springer", 1038),
            ("Molecular Cancer", "Mol Cancer", "BioMed Central", "springer", 1186),
            ("Acta Pharmaceutica Sinica. B", "Acta Pharm Sin B", "Elsevier", "elsevier", 1016),
            ("Microbial Biotechnology", "Microb Biotechnol", "John Wiley and Sons Inc.", "wiley", 1111),
            ("Noncoding RNA", "Noncoding RNA", "MDPI", "mdpi", 3390),
        ]
        for title, ta, pub, style, prefix in fixed:
            jcode = {"Cells": "cells", "Cancers": "cancers", "Noncoding RNA": "ncrna", "PLoS One": "pone",
                     "bioRxiv": "nihpp"}.get(title) or "".join(w[0] for w in ta.split() if w[0].isalpha()).lower()
            journals[title] = (title, ta, pub, style, prefix, jcode)
        combos = [(t, s) for t in templates for s in subjects]
        rng.shuffle(combos)
        for (tt, ta, pub, style, prefix), (s, a, code) in combos:
            if len(journals) >= 500:
                break
            title = tt.format(S=s)
            if style == "frontiers":
                jcode = code if code.startswith("f") else "f" + code[:4]
            elif style == "mdpi":
                jcode = ("ij" + code[:2]) if title.startswith("International") else code[:5]
            else:
                jcode = code
            journals.setdefault(title, (title, ta.format(A=a), pub, style, prefix, jcode))
        self.journals = list(journals.values())
        order = list(range(len(self.journals)))
        # the big open-access journals are most common (Int J Mol Sci, Front Immunol, Sci Rep)
        big = [i for i, j in enumerate(self.journals) if j[0] in (
            "International Journal of Molecular Sciences", "Scientific Reports", "Frontiers in Immunology",
            "PLoS One", "Frontiers in Pharmacology", "Cells", "Frontiers in Oncology", "Cancers")]
        rest = [i for i in order if i not in big]
        rng.shuffle(rest)
        self.journal_rank = big + rest
        self.journal_cum = list(accumulate(1.0 / (r + 4) for r in range(len(self.journal_rank))))

    # --- words ---------------------------------------------------------------------
    def _build_text(self) -> None:
        self.first_names = """Marie Sabine Oxana Annette Mohammad Merve Ki Wei Li Jing Yan Hao Xin Yu Min Jun
Hiroshi Takashi Yuki Akira Sven Lars Anna Maria Elena Giulia Luca Marco Carlos Juan Ana Pedro Jose
Sophie Pierre Claire Thomas Michael David John James Robert Sarah Emily Jessica Laura Daniel Andrew
Priya Rahul Amit Sunita Ahmed Fatima Omar Ali Mehmet Ayse Olga Ivan Dmitri Katarzyna Piotr Jan Eva
Ingrid Bjorn Hannah Lukas Felix Nora Chloe Lucas Gabriel Rafael Beatriz Camila Diego Valentina
Seo-yeon Ji-hoon Min-jun Thi Van Duc Kwame Ama Chinedu Ngozi Tariq Leila Reza Sara Noah Olivia""".split()
        self.last_names = """Wooten Hanke Lungu Becker Karvandi Zeden Lee Wang Li Zhang Liu Chen Yang Huang
Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Tanaka Suzuki Sato Watanabe Ito Yamamoto Nakamura
Kim Park Choi Jung Kang Cho Yoon Jang Smith Johnson Williams Brown Jones Garcia Miller Davis
Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Taylor Moore Jackson Martin Thompson
White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Muller Schmidt Schneider
Fischer Weber Meyer Wagner Schulz Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano Colombo
Dubois Moreau Laurent Simon Michel Lefebvre Kowalski Nowak Novak Ivanov Petrov Silva Santos
Oliveira Souza Pereira Costa Singh Kumar Sharma Patel Gupta Khan Ahmed Hassan Yilmaz Kaya Demir
Nguyen Tran Pham Jensen Hansen Nielsen Andersson Johansson Larsson Virtanen Korhonen Okafor Mensah""".split()
        self.topic_words = """metabolism|inflammation|apoptosis|autophagy|ferroptosis|pyroptosis|oxidative stress
ER stress|signaling|cancer|tumor microenvironment|immunotherapy|metastasis|epithelial-mesenchymal transition
mitochondria|insulin resistance|obesity|diabetes|neurodegeneration|neuroinflammation|microglia
macrophages|T cells|dendritic cells|cytokines|gut microbiota|short-chain fatty acids|lipid metabolism
glycolysis|TCA cycle|amino acid metabolism|drug resistance|biomarker|prognosis|network pharmacology
molecular docking|traditional Chinese medicine|plant hormones|abiotic stress|drought tolerance
secondary metabolites|biosynthesis|gene regulation|epigenetics|DNA methylation|non-coding RNA
microRNA|lncRNA|circRNA|exosomes|stem cells|differentiation|osteoblasts|bone disease|fibrosis
wound healing|angiogenesis|hypoxia|circadian rhythm|aging|senescence|DNA damage response
cell cycle|proliferation|virus infection|COVID-19|innate immunity|inflammasome|NF-kB
PI3K/AKT/mTOR|MAPK|Wnt/beta-catenin|Notch|Hedgehog|Hippo|JAK/STAT|TGF-beta|AMPK|Nrf2""".replace("\n", "|").split("|")
        self.processes = """apoptosis|autophagy|ferroptosis|pyroptosis|necroptosis|inflammation|glycolysis
oxidative phosphorylation|fatty acid oxidation|lipogenesis|gluconeogenesis|cholesterol biosynthesis
cell proliferation|cell migration|invasion|angiogenesis|fibrosis|differentiation|senescence
DNA repair|translation|transcription|mitophagy|endocytosis|insulin signaling|immune evasion
T cell activation|macrophage polarization|cytokine release|oxidative stress response
the unfolded protein response|epithelial-mesenchymal transition|osteoclastogenesis|neurogenesis
synaptic plasticity|circadian regulation|lipid droplet formation|mitochondrial biogenesis
purine biosynthesis|amino acid uptake|glutamine metabolism|one-carbon metabolism|the TCA cycle
the pentose phosphate pathway|flavonoid biosynthesis|alkaloid biosynthesis|stress tolerance""".replace("\n", "|").split("|")
        self.cells = """COS-7 cells|HEK293 cells|HeLa cells|macrophages|T cells|B cells|dendritic cells
neutrophils|hepatocytes|cardiomyocytes|neurons|astrocytes|microglia|osteoblasts|osteoclasts
adipocytes|endothelial cells|epithelial cells|fibroblasts|cancer cells|tumor cells
hepatocellular carcinoma cells|breast cancer cells|colorectal cancer cells|glioma cells
stem cells|keratinocytes|podocytes|chondrocytes|beta cells|myoblasts|plant cells|root cells
guard cells|yeast cells|bacterial cells|the host cell|infected cells|the mouse liver|the rat brain""".replace("\n", "|").split("|")
        self.verbs = """activates|inhibits|phosphorylates|promotes|suppresses|induces|regulates|binds
recruits|stabilizes|degrades|upregulates|downregulates|enhances|attenuates|mediates|triggers
represses|modulates|interacts with|cleaves|ubiquitinates|deacetylates|translocates to|sequesters
blocks|increases|reduces|antagonizes|potentiates""".replace("\n", "|").split("|")
        self.nouns = """expression|activity|phosphorylation|signaling|transcription|secretion|stability
degradation|nuclear translocation|dimerization|accumulation|release|production|uptake|activation
levels|recruitment|assembly|cleavage|ubiquitination|acetylation|methylation|oligomerization""".replace("\n", "|").split("|")
        self.adjs = """canonical|non-canonical|downstream|upstream|key|main|alternative|distinct
proposed|putative|principal|central|major|novel|classical|cell-specific|context-dependent
mitochondrial|nuclear|cytoplasmic|membrane-bound|extracellular|intracellular|autocrine|paracrine""".replace("\n", "|").split("|")
        self.openers = """Schematic representation of|Schematic diagram of|Proposed model of|Overview of
Summary of|Graphical abstract of|Illustration of|Working model for|Diagram of|Mechanism of
Model for|The role of|Key events in|Regulation of|Overview of the mechanisms underlying""".replace("\n", "|").split("|")
        self.connectors = """In addition,|Moreover,|Furthermore,|In contrast,|As a result,|Consequently,
Meanwhile,|Subsequently,|Finally,|Notably,|Conversely,|Taken together,|However,|Thus,""".replace("\n", "|").split("|")
        self.unicode_bits = ["TNF-α", "IL-1β", "NF-κB", "PKCδ", "Gβγ", "ERα", "PPARγ", "TGF-β", "IFN-γ",
                             "HIF-1α", "GSK-3β", "p38α", "IκBα", "Ca²⁺", "PLCβ", "β-catenin", "AMPKα", "C/EBPβ"]
        self.greek_ascii = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa",
                            "²": "2", "⁺": "+", "–": "-", "→": "->", "µ": "u"}
        self.title_tails = self.processes + self.cells
        self.months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

    # --- text ----------------------------------------------------------------------
    def _sentence(self, rng: random.Random, genes: list[str], uni: bool) -> str:
        ch = rng.choice
        g1 = ch(genes) if genes else ch(FAMOUS_GENES)
        g2 = ch(genes) if genes else ch(FAMOUS_GENES)
        if uni and rng.random() < 0.5:
            g2 = ch(self.unicode_bits)
        t = rng.randrange(14)
        if t == 0:
            return f"{ch(self.openers)} the {ch(self.adjs)} {g1} pathway in {ch(self.cells)}."
        if t == 1:
            return f"{g1} {ch(self.verbs)} {g2}, leading to {ch(self.nouns)} of {ch(genes or FAMOUS_GENES)} and {ch(self.processes)}."
        if t == 2:
            return f"{ch(self.connectors)} {g1} {ch(self.verbs)} {g2} {ch(self.nouns)} in {ch(self.cells)}."
        if t == 3:
            return f"({ch('ABCDEFG')}) The {ch(self.adjs)} {g1}/{g2} axis: {ch(self.processes)} is {ch(('enhanced', 'reduced', 'blocked', 'restored'))} by {ch(self.common_chemicals)}."
        if t == 4:
            return f"Activation of {g1} by {ch(self.common_chemicals)} {ch(self.verbs)} the {ch(self.adjs)} {g2}-dependent {ch(self.processes)}."
        if t == 5:
            return f"{g1} and {g2} form a complex that {ch(self.verbs)} {ch(genes or FAMOUS_GENES)} {ch(self.nouns)}, which in turn {ch(self.verbs)} {ch(self.processes)}."
        if t == 6:
            items = "; ".join(f"{g}: {ch(self.adjs)} {ch(self.nouns)} factor"
                              for g in rng.sample(genes, min(len(genes), rng.randint(2, 6)))) if genes else "NA: not available"
            return f"Abbreviations: {items}."
        if t == 7:
            return f"Arrows indicate activation and blunt lines indicate inhibition; dashed lines denote {ch(('indirect', 'putative', 'unknown', 'proposed'))} interactions."
        if t == 8:
            return f"In {ch(self.cells)}, {g1} {ch(self.nouns)} is required for {ch(self.processes)} and {ch(self.processes)}."
        if t == 9:
            return f"The {ch(self.adjs)} {ch(self.nouns)} of {g1} {ch(self.verbs)} {g2} through {ch(self.adjs)} {ch(self.processes)}."
        if t == 10:
            return f"{_cap(ch(self.topic_words))} {ch(('is', 'was', 'appears to be'))} {ch(('mediated', 'controlled', 'driven', 'limited'))} by {g1}, {g2} and {ch(genes or FAMOUS_GENES)}."
        if t == 11:
            return f"Genes in red are {ch(('upregulated', 'downregulated', 'differentially expressed'))} after treatment with {ch(self.common_chemicals)} ({rng.randint(1, 50)} {ch(('µM', 'mM', 'nM')) if uni else 'uM'})."
        if t == 12:
            return f"{g1} {ch(self.verbs)} {ch(self.processes)} via {g2}."
        return f"Loss of {g1} {ch(self.verbs)} {ch(self.nouns)} of {g2} and {ch(self.adjs)} {ch(self.processes)} in {ch(self.cells)}."

    def caption(self, rng: random.Random, genes: list[str], uni: bool) -> str:
        if rng.random() < 0.02:  # a few real captions are a couple of words ("Model.")
            return rng.choice(("Model.", "Proposed model.", "Signaling pathway.", "Graphical abstract.",
                               "Schematic overview.", f"{genes[0] if genes else 'TP53'} pathway."))
        target = rng.gammavariate(2.0, 410.0)
        while target > CAPTION_MAX:
            target = rng.gammavariate(2.0, 410.0)
        mention = [g for g in genes[:40] if g.isupper()] or genes[:20]
        parts: list[str] = []
        total = 0
        while True:
            s = self._sentence(rng, mention, uni)
            if parts and total + (len(s) + 1) / 2 > target:
                break
            parts.append(s)
            total += len(s) + 1
            if total > CAPTION_MAX:
                break
        text = " ".join(parts)
        if uni:
            text = text.replace(" - ", " – ").replace("-dependent", "–dependent", 1)
            if not any(ord(c) > 127 for c in text):
                text = text[:-1] + f" ({rng.choice(self.unicode_bits)})."
        if len(text) > CAPTION_MAX:
            cut = text.rfind(". ", 0, CAPTION_MAX)
            text = text[: cut + 1] if cut > 0 else text[:CAPTION_MAX]
        return text

    def ascii_title(self, s: str) -> str:
        for k, v in self.greek_ascii.items():
            s = s.replace(k, v)
        return s

    def title(self, rng: random.Random, genes: list[str], mean: float, sd: float, hi: int) -> str:
        ch = rng.choice
        g = [x for x in genes[:30] if x.isupper()] or FAMOUS_GENES
        forms = (
            lambda: f"The role of {ch(g)} in {ch(self.processes)}",
            lambda: f"{ch(self.openers)} {ch(self.processes)} regulated by {ch(g)} and {ch(g)}",
            lambda: f"{_cap(ch(self.topic_words))} and {ch(self.topic_words)}: {ch(('mechanisms', 'therapeutic targets', 'a review', 'new insights', 'implications for therapy'))}",
            lambda: f"{ch(g)} {ch(self.verbs)} {ch(self.processes)} in {ch(self.cells)}",
            lambda: f"Targeting the {ch(g)}/{ch(g)} axis in {ch(self.diseases)}",
            lambda: f"{ch(self.adjs).capitalize()} {ch(self.nouns)} of {ch(g)} {ch(self.verbs)} {ch(self.processes)} and {ch(self.processes)}",
        )
        target = min(rng.gauss(mean, sd), hi)
        text = forms[rng.randrange(len(forms))]()
        while len(text) < target - 15:
            more = ch((" in ", " through ", " during ", " and ")) + ch(self.title_tails)
            if len(text) + len(more) > hi:
                break
            text += more
        if len(text) > hi:
            text = text[:hi].rsplit(" ", 1)[0].rstrip(",:;/")
            if text.endswith((" in", " and", " of", " by", " the", " through", " during")):
                text = text.rsplit(" ", 1)[0]
        return text[0].upper() + text[1:]

    # --- one figure ----------------------------------------------------------------
    def figure_files(self, rng: random.Random, paper: dict, fig: dict) -> tuple[str, dict, dict[str, str]]:
        """(figid, front matter mapping, {kind: tsv text}) for one figure of a paper."""
        old = paper["old"]
        figid = f"PMC{paper['pmc']}__{fig['image']}"
        alias = f"PMC{paper['pmc']}__{fig['number']}"

        n_keywords = max(1, min(int(rng.lognormvariate(3.69, 0.68)), 300))
        genes = self.draw_genes(rng, n_keywords)

        has_genes = rng.random() < P_GENES
        has_chem = rng.random() < (P_CHEM_WITH_GENES if has_genes else P_CHEM_WITHOUT)
        has_dis = rng.random() < (P_DIS_WITH_GENES if has_genes else P_DIS_WITHOUT)

        tables: dict[str, str] = {}
        chem_words: list[str] = []
        dis_words: list[str] = []
        if has_genes:
            tables["genes"] = self.genes_table(rng, genes)
        if has_chem:
            n = max(1, min(int(rng.lognormvariate(2.3, 0.65)), 50))
            words = rng.choices(self.chemicals, cum_weights=self.chem_cum, k=n)
            rows = [CHEMICALS_HEADER]
            for w in words:
                rows.append(w + "\t" + "\t".join(self.chem_info[w]))
            tables["chemicals"] = "\n".join(rows) + "\n"
            chem_words = list(dict.fromkeys(words))
        if has_dis:
            n = 1 + min(int(rng.expovariate(0.45)), 12)
            words = rng.choices(self.diseases, cum_weights=self.dis_cum, k=n)
            rows = [DISEASES_HEADER]
            for w in words:
                rows.append(w + "\t" + "\t".join(self.dis_info[w]))
            tables["diseases"] = "\n".join(rows) + "\n"
            dis_words = list(dict.fromkeys(words))

        keywords = list(genes)
        if old or rng.random() < 0.3:
            keywords = list(dict.fromkeys(keywords + chem_words + dis_words))

        uni = rng.random() < P_UNICODE_CAPTION
        caption = self.caption(rng, genes, uni)
        if rng.random() < 0.5:
            first = caption.split(". ", 1)[0].rstrip(".")
            figtitle = self.ascii_title(first) if 18 <= len(first) <= 150 else self.title(rng, genes, 102, 32, 165)
        else:
            figtitle = self.title(rng, genes, 102, 32, 165)

        jsonld = {
            "@context": "https://schema.org/",
            "@id": f"https://pfocr.wikipathways.org/figures/{figid}.html",
            "@type": "Dataset",
            "description": caption,
            "license": "CC0",
            "name": "CreativeWork",
            "creator": {"@type": "Organization", "name": "WikiPathways"},
            "keywords": keywords,
        }
        figlink = f"/pmc/articles/PMC{paper['pmc']}/figure/{fig['anchor']}/"
        if old:
            rec: dict[str, Any] = {
                "figid": figid, "figlink": figlink, "number": fig["number"], "caption": caption,
                "pmcid": f"PMC{paper['pmc']}", "papertitle": paper["title"], "reftext": paper["reftext"],
                "pmc_ranked_result_index": str(rng.randint(1, 200000)),
                "pathway_score": round(rng.uniform(0.5, 0.999), 5),
                "filename": fig["image"] + ".jpg", "figtitle": figtitle, "year": paper["year"],
                "organisms": paper["organism_str"], "ndex": self.uuid(rng) if rng.random() < 0.8 else "",
                "annotations": [], "seo": "CreativeWork", "schema-jsonld": jsonld,
                "genes": self.inline_genes(rng, genes),
                "chemicals": [{"word": w, "source": "MESH", "identifier": self.chem_info[w][0][5:]} for w in chem_words],
                "diseases": [{"word": w, "source": "", "identifier": ""} for w in dis_words],
                "figid_alias": alias, "redirect_from": f"/figures/{alias}", "figtype": fig["figtype"],
            }
        else:
            rec = {
                "figid": figid, "figtitle": figtitle, "organisms": paper["organisms"],
                "organisms_ner": self.organisms_ner(rng), "pmcid": f"PMC{paper['pmc']}",
                "filename": fig["image"] + ".jpg", "figlink": figlink, "number": fig["number"],
                "caption": caption, "papertitle": paper["title"], "reftext": paper["reftext"],
                "year": paper["year"], "doi": paper["doi"], "journal_title": paper["journal"][0],
                "journal_nlm_ta": paper["journal"][1], "publisher_name": paper["journal"][2],
                "keywords": paper["keywords"], "automl_pathway": round(0.5 + 0.5 * rng.betavariate(6, 1.3), 7),
                "figid_alias": alias, "figtype": fig["figtype"], "redirect_from": f"/figures/{alias}",
                "ndex": self.uuid(rng) if rng.random() < 0.01 else "", "seo": "CreativeWork",
                "schema-jsonld": jsonld,
            }
        return figid, rec, tables

    def genes_table(self, rng: random.Random, genes: list[str]) -> str:
        k = rng.choices((1, 2, 3, 4), weights=(45, 35, 15, 5))[0]
        orgs = []
        while len(orgs) < k:
            o = rng.choices(self.gene_orgs, weights=self.gene_org_weights)[0]
            if o not in orgs:
                orgs.append(o)
        direct = "NA" if rng.random() < 0.1 else str(rng.randint(1, 12))
        syn, match = str(rng.randint(3, 45)), str(rng.randint(3, 35))
        rows = [GENES_HEADER]
        i = 0
        while i < len(genes):
            g = genes[i]
            fam = self.gene_families[self.gene_family_of[g]]
            # a run of family members matched from one OCR word ('AKT' -> AKT1, AKT2, AKT3)
            run = 1
            while i + run < len(genes) and self.gene_family_of[genes[i + run]] == self.gene_family_of[g]:
                run += 1
            if run > 1:
                word = g.rstrip("0123456789ABCDEFGHL") or g
                source = "famplex_relations" if rng.random() < 0.6 else "ncbigene_synonym"
            else:
                word, source = g, ("ncbigene_symbol" if rng.random() < 0.6 else "ncbigene_synonym")
                if len(fam) > 1 and rng.random() < 0.3:
                    word = fam[0] if fam[0] != g else g
            for g2 in genes[i:i + run]:
                o = orgs[0] if rng.random() < 0.6 else rng.choice(orgs)
                line = (f"{o[0]}\t{o[1]}\t{o[2]}\t{word}\t{word.upper().replace('-', '')}\t{g2}\t"
                        f"{self.gene_id[g2]}\t{source}\t{direct}\t{syn}\t{match}")
                rows.append(line)
                if rng.random() < 0.06:  # the same match found again (another count_direct)
                    rows.append(line)
            i += run
        return "\n".join(rows) + "\n"

    def inline_genes(self, rng: random.Random, genes: list[str]) -> list[dict]:
        out = []
        for g in genes:
            fam = self.gene_families[self.gene_family_of[g]]
            word = fam[0].rstrip("0123456789") or g if len(fam) > 1 else g
            source = rng.choice(("bioentities_symbol", "hgnc_symbol", "hgnc_symbol", "hgnc_prev_symbol", "hgnc_alias_symbol"))
            out.append({"word": word + ("," if rng.random() < 0.05 else ""), "symbol": word.upper(),
                        "source": source, "hgnc_symbol": g, "entrez": str(self.gene_id[g])})
        return out

    def organisms_ner(self, rng: random.Random) -> list[str]:
        r = rng.random()
        if r < 0.08:
            return ["NA"]
        k = rng.choices((1, 2, 3, 4), weights=(30, 45, 15, 10))[0]
        out: dict[str, None] = {}
        while len(out) < k:
            out[rng.choices(self.ner_orgs, weights=(45, 25, 10, 10, 5, 3, 1, 1))[0]] = None
        return list(out)

    def organisms(self, rng: random.Random) -> list[str]:
        if rng.random() < 0.45:
            return ["NA"]
        tail_n = 0
        r = rng.random()
        if r < 0.3:
            tail_n = rng.randint(1, 3)
        elif r < 0.52:
            tail_n = min(int(rng.paretovariate(0.7)) + 3, 45)
        tail = list(dict.fromkeys(rng.choices(self.tail_organisms, cum_weights=self.tail_org_cum, k=tail_n)))
        model = []
        if rng.random() < 0.55:
            model.append("Mus musculus")
        if rng.random() < 0.4:
            model.append("Rattus norvegicus")
        hs = rng.random() < 0.92
        if rng.random() < 0.5:
            out = (["Homo sapiens"] if hs else []) + model + tail
        else:
            out = tail + model + (["Homo sapiens"] if hs else [])
        if not out:
            out = [rng.choice(self.tail_organisms)]
        if rng.random() < 0.06:
            out.append("NA")
        return out

    @staticmethod
    def uuid(rng: random.Random) -> str:
        return (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-11ea-"
                f"{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}")

    # --- papers --------------------------------------------------------------------
    _YEAR_PMC = [(1995, 40_000), (2001, 100_000), (2005, 1_000_000), (2010, 2_800_000),
                 (2015, 4_300_000), (2020, 6_900_000), (2023, 9_800_000), (2024, 10_700_000),
                 (2025, 11_700_000)]

    def _pmc_range(self, year: int) -> tuple[int, int]:
        def at(y: int) -> int:
            for (y0, p0), (y1, p1) in zip(self._YEAR_PMC, self._YEAR_PMC[1:]):
                if y0 <= y <= y1:
                    return int(p0 + (p1 - p0) * (y - y0) / (y1 - y0))
            return self._YEAR_PMC[-1][1]
        return at(year), at(year + 1) - 1

    def paper(self, rng: random.Random, used_pmc: set[int], n_figs: int) -> dict:
        years = list(range(1995, 2025))
        old = rng.random() < P_OLD_STYLE
        if old:
            year = rng.choices(years[:18], weights=[1.15 ** i for i in range(18)])[0]
        else:
            year = rng.choices(years, cum_weights=self._year_cum)[0]
        lo, hi = self._pmc_range(year)
        while True:
            pmc = rng.randint(lo, hi)
            if pmc not in used_pmc:
                used_pmc.add(pmc)
                break
        j = self.journals[rng.choices(self.journal_rank, cum_weights=self.journal_cum)[0]]
        title, ta, pub, style, prefix, jcode = j
        vol = max(1, year - 2009 + rng.randint(-1, 3)) if style in ("frontiers", "mdpi") else rng.randint(1, 120)
        artno = rng.randint(1000000, 1199999) if style == "frontiers" else rng.randint(100, 19999)
        author = f"{rng.choice(self.first_names)}{(' ' + rng.choice('ABCDEFGHJKLMNPRSTW') + '.') if rng.random() < 0.3 else ''} {rng.choice(self.last_names)}"
        month = rng.choice(self.months)
        if old:
            page = rng.randint(100, 9000)
            reftext = f"{author}, et al. {ta}. {year} {month};{vol}({rng.randint(1, 24)}):{page}-{page + rng.randint(5, 20)}."
        elif style == "frontiers":
            reftext = f"{author}, et al. {ta}. {year};{vol}:{artno}."
        else:
            reftext = f"{author}, et al. {ta}. {year} {month};{vol}({rng.randint(1, 24)}):{artno}."
        if style == "frontiers":
            doi = f"10.{prefix}/{jcode}.{year}.{artno}"
        elif style == "mdpi":
            doi = f"10.{prefix}/{jcode}{vol}{rng.randint(1, 24):02d}{artno:04d}"
        elif style == "springer":
            doi = f"10.{prefix}/s{rng.randint(10000, 41999)}-{year % 100:03d}-{artno:05d}-{rng.choice('0123456789x')}"
        elif style == "elsevier":
            doi = f"10.{prefix}/j.{jcode}.{year}.{rng.randint(1, 12):02d}.{rng.randint(1, 999):03d}"
        else:
            doi = f"10.{prefix}/{jcode}.{year}.{artno}"
        n_kw = rng.randint(3, 8)
        kws = list(dict.fromkeys(rng.choice(self.topic_words) for _ in range(n_kw)))
        if rng.random() < 0.01:  # mojibake as in the seed record
            kws[0] = kws[0].replace("-", "â€“", 1) if "-" in kws[0] else kws[0] + " â€“ review"
        papertitle = self.title(rng, [], 102, 32, 168) + "."
        if rng.random() < 0.04 and len(papertitle) < 160:
            papertitle = papertitle.replace(" and ", f" and {rng.choice(self.unicode_bits)} ", 1)
        organism_str = rng.choices(("Homo sapiens", "Mus musculus", "Rattus norvegicus", "NA"),
                                   weights=(70, 15, 8, 7))[0]
        paper = {
            "pmc": pmc, "old": old, "year": str(year), "journal": j, "title": papertitle,
            "reftext": reftext, "doi": doi, "keywords": " | ".join(kws),
            "organisms": self.organisms(rng), "organism_str": organism_str,
        }
        # figures of this paper: distinct numbers, image names in the publisher's style
        stem = (f"{rng.randint(2400, 2499)}{rng.randint(100, 999)}" if old
                else str(rng.randint(10000, 41999)))
        pool = list(range(1, max(8, n_figs + 2) + 1))
        numbers = sorted(rng.sample(pool, n_figs))
        figs = []
        ga_used = False
        for k in numbers:
            number, figtype = f"F{k}", "Figure"
            r = rng.random()
            if r < 0.01 and not ga_used and not old:
                number, figtype, ga_used = "GA1", "Graphical abstract", True
            elif r < 0.02 and not old:
                number, figtype = f"SF{k}", "Supplemental figure"
            image, anchor = self._image_name(rng, "old" if old else style, jcode, vol, artno, year, k, number, stem)
            figs.append({"number": number, "figtype": figtype, "image": image, "anchor": anchor})
        paper["figs"] = figs
        return paper

    def _image_name(self, rng, style, jcode, vol, artno, year, k, number, stem) -> tuple[str, str]:
        if number == "GA1":
            return "ga1", "undfig1"
        if style == "old":
            return f"mb{stem}{k:03d}", f"F{k}"
        if style == "frontiers":
            g = f"g{k:03d}" if rng.random() < 0.8 else f"g{k:04d}"
            return f"{jcode}-{vol}-{artno}-{g}", rng.choice((f"f{k}", f"F{k}"))
        if style == "mdpi":
            base = f"{jcode}-{vol:02d}-{artno:05d}"
            return f"{base}-g{k:03d}", f"{base}-f{k:03d}"
        if style == "springer":
            return f"{stem}_{year}_{artno}_Fig{k}_HTML", f"Fig{k}"
        if style == "elsevier":
            return (f"gr{k}_lrg" if rng.random() < 0.3 else f"gr{k}"), f"fig{k}"
        if style == "wiley":
            return f"{jcode.upper()}-{vol}-{artno}-g{k:03d}", f"{jcode}{artno}-fig-{k:04d}"
        return f"nihms-{artno * 100 + int(stem) % 100}-f{k:04d}", f"F{k}"

    # --- the corpus ----------------------------------------------------------------
    def iter_figures(self, figures: int):
        """Yield (figid, front matter mapping, tables) for `figures` figures."""
        rng = self.rng
        used: set[int] = set()
        made = 0
        while made < figures:
            n = rng.choices((1, 2, 3, 4, 5, 6), weights=(89, 7.5, 2, 0.8, 0.4, 0.3))[0]
            n = min(n, figures - made)
            paper = self.paper(rng, used, n)
            for fig in paper["figs"]:
                yield self.figure_files(rng, paper, fig)
            made += n


def _write(path: str, text: str) -> None:
    write_file(Path(path), text.encode("utf-8"))  # os-level: much less per-file overhead than open()


def _clean(out_dir: Path) -> None:
    for sub, suffix in (("figures", ".md"), ("data", ".tsv")):
        d = out_dir / sub
        if d.is_dir():
            for entry in os.scandir(d):
                if entry.is_file() and entry.name.endswith(suffix):
                    os.unlink(entry.path)


def generate(out_dir: Path, figures: int, seed: int = 1, *, clean: bool = False) -> None:
    """Write `figures` synthetic records to out_dir/figures and their tables to out_dir/data.

    Refuses to write into non-empty figures/ or data/ folders unless clean=True, which first
    deletes the *.md and *.tsv files there (and nothing else)."""
    out_dir = Path(out_dir)
    fig_dir, data_dir = out_dir / "figures", out_dir / "data"
    if clean:
        _clean(out_dir)
    for d in (fig_dir, data_dir):
        if d.is_dir() and any(os.scandir(d)):
            raise FileExistsError(f"{d} is not empty; pass clean=True (--clean) to replace its files")
    fig_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed)
    fig_prefix, data_prefix = str(fig_dir) + os.sep, str(data_dir) + os.sep
    for figid, record, tables in corpus.iter_figures(figures):
        _write(fig_prefix + figid + ".md", dump_front_matter(record))
        for kind, text in tables.items():
            _write(f"{data_prefix}{figid}-{kind}.tsv", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=int, required=True, help="number of figure records")
    parser.add_argument("--out", type=Path, required=True, help="output folder (gets figures/ and data/)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--clean", action="store_true",
                        help="delete existing *.md / *.tsv in OUT/figures and OUT/data first")
    args = parser.parse_args(argv)
    if args.figures < 0:
        parser.error("--figures must be >= 0")
    start = time.perf_counter()
    try:
        generate(args.out, args.figures, args.seed, clean=args.clean)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.figures} figures to {args.out} in {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
