"""Scale: does the bot stay fast and small when the knowledge grows 10x or 100x?

Why: the shipped knowledge is about 120 entries, but a hospital that adds its local formulary,
trial drugs and rare toxicities could grow it by orders of magnitude. The README promises that an
exact name, brand or alias is "one dictionary lookup whatever the size of the knowledge"; this
module checks that promise with numbers instead of trusting it, and shows what does grow.

How: `generate` writes a synthetic knowledge folder N times the shipped one that still passes
`python -m bot validate`: every real entry is copied byte for byte, and N-1 clones of each are
added. Clone set j gets one made-up pronounceable token (e.g. "bakor"), appended as a separate
word to every name, brand and alias and as a suffix to every id; links inside clone set j point
at clone set j, so all links resolve and the real entries keep their real links. Tokens have one
fixed length and are never the tail of a real name's key, so names stay unique after the bot's
normalisation (case, punctuation, plurals, British spellings), and they pass through that
normalisation unchanged (consonant-vowel-consonant-vowel-consonant, never ending in "s"). The
clones go into several files of at most ~3.5 MB each (the loader refuses files over 8 MB).

Measured at each size, in a fresh subprocess so memory is not shared between sizes:
- load time: load_knowledge (read, schema-check, build) + Index.build, seconds;
- resident memory (VmRSS) after importing the bot, and after loading;
- time per query in-process over the bench/queries.yaml mix (names, brands, abbreviations,
  typos, questions, out-of-scope misses): Index.resolve alone and the whole reply
  (answering.answer: parse, resolve, render), median and p99, overall and by how the query
  resolved at 1x.

Usage: ``python -m bench.scale [--factors 1,10,100] [--rounds 5] [--smoke]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import read_yaml

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_PATH = ROOT / "knowledge"
QUERIES_PATH = ROOT / "bench" / "queries.yaml"
OUT_DIR = ROOT / "bench" / "out"

#: Clone files are cut at about this size; the loader refuses files over 8 MB.
MAX_CLONE_FILE_BYTES = 3_500_000
#: Bump when the generator's output changes, so cached folders are rebuilt.
GENERATOR_VERSION = 2
MANIFEST = ".scale.json"

#: The exact-hit median may grow at most this much from 1x to 100x (a dictionary lookup should
#: not grow at all; the slack absorbs cache effects of a 100x bigger heap).
TARGET_EXACT_GROWTH = 2.0

_CONSONANTS = "bdfgklmnprtvz"
_VOWELS = "aeiou"
_LINK_FIELDS = (
    "parent",
    "hallmark_toxicities",
    "classes",
    "common_side_effects",
    "serious_side_effects",
    "caused_by",
)
_KIND_KEYS = ("classes", "drugs", "side_effects", "cancers", "concepts")

#: Used when bench/queries.yaml is absent: one of each shape users type.
FALLBACK_QUERIES = (
    "pembrolizumab",
    "keytruda",
    "Yescarta",
    "pembro",
    "axi-cel",
    "T-VEC",
    "CRS",
    "NSCLC",
    "myeloma",
    "checkpoint inhibitors",
    "irAE",
    "pembrolizumb",
    "nivolumub",
    "cytokine relase syndrome",
    "tecentric",
    "what are the side effects of nivolumab?",
    "how is immune-related colitis managed?",
    "diarrhoea on ipi",
    "which drugs cause pneumonitis",
    "aspirin",
    "hello",
    "hepatitis C treatment",
    "tocilizumab",
    "type 2 diabetes",
)


class _Dumper(yaml.CSafeDumper):
    """libyaml's fast emitter that never writes anchors: the bot's loader refuses them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# -- the generator --------------------------------------------------------------------------------


def _real_vocabulary(source: Path) -> tuple[set[str], set[str]]:
    """The keys and word tokens of every real name, so clone tokens can avoid them."""
    from bot import words
    from bot.loading import load_knowledge

    result = load_knowledge(source, with_version=False)
    if result.knowledge is None:
        raise RuntimeError(f"{source} does not validate: {result.errors[:3]}")
    keys, tokens = set(), set()
    for entry in result.knowledge.entries.values():
        for name in entry.names:
            keys.add(words.key(name))
            tokens.update(words.tokens(name))
    return keys, tokens


def clone_tokens(
    count: int, real_keys: Iterable[str] = (), real_tokens: Iterable[str] = ()
) -> list[str]:
    """`count` distinct made-up words of one length that normalisation leaves alone.

    Fixed length is what keeps clone names unique: key(A)+t1 == key(B)+t2 with len(t1) ==
    len(t2) forces A == B. A token is never the end of a real key (so no clone key equals a real
    one), never a real word or stopword (so it does not make clones match real queries).
    """
    from bot import words
    from bot.resolve import names

    keys = tuple(real_keys)
    avoid = set(real_tokens) | set(names.STOPWORDS) | set(names.COMMON_WORDS)
    rng = random.Random(20240611)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        token = "".join(rng.choice(_CONSONANTS if i % 2 == 0 else _VOWELS) for i in range(5))
        if token in seen or token in avoid or words.key(token) != token:
            continue
        if any(k.endswith(token) for k in keys):
            continue
        seen.add(token)
        out.append(token)
    return out


def _clone_entry(raw: dict[str, Any], token: str) -> dict[str, Any]:
    """One clone of a raw entry: new id, names and links; the prose is kept."""
    entry = json.loads(json.dumps(raw))  # a deep copy with no shared objects
    entry["id"] = f"{raw['id']}-{token}"
    entry["name"] = f"{raw['name']} {token}"
    for field in ("aliases", "brands"):
        if field in entry:
            entry[field] = [f"{value} {token}" for value in entry[field]]
    for field in _LINK_FIELDS:
        value = entry.get(field)
        if isinstance(value, str):
            entry[field] = f"{value}-{token}"
        elif isinstance(value, list):
            entry[field] = [f"{v}-{token}" for v in value]
    for indication in entry.get("indications") or ():
        indication["cancer"] = f"{indication['cancer']}-{token}"
    related = entry.get("related")
    if isinstance(related, dict):  # a concept's links, by kind
        entry["related"] = {k: [f"{v}-{token}" for v in ids] for k, ids in related.items()}
    return entry


#: The bot's files whose rules decide whether generated names are valid and unique.
_RULE_FILES = (
    "bot/words.py",
    "bot/validate.py",
    "bot/entry_checks.py",
    "bot/loading.py",
    "bot/resolve/names.py",
    "knowledge/schema.json",
)


def _source_hash(source: Path) -> str:
    """The knowledge and the bot's naming rules: a cached folder is stale when either moved."""
    from bot.loading import knowledge_files

    digest = hashlib.sha256()
    for file in [*knowledge_files(source), *(ROOT / f for f in _RULE_FILES)]:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Generated:
    """A synthetic knowledge folder and what is in it."""

    path: Path
    factor: int
    entries: int
    files: int
    bytes: int
    seconds: float


def generate(
    factor: int,
    out: Path,
    source: Path = KNOWLEDGE_PATH,
    *,
    max_file_bytes: int = MAX_CLONE_FILE_BYTES,
    reuse: bool = True,
) -> Generated:
    """Write a knowledge folder `factor` times `source` into `out` (replacing what is there).

    A folder written earlier by the same generator from the same source is reused as is.
    """
    from bot import loader
    from bot.loading import knowledge_files

    started = time.perf_counter()
    manifest = {"factor": factor, "source": _source_hash(source), "version": GENERATOR_VERSION}
    marker = out / MANIFEST
    if reuse and marker.exists():
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            saved = {}
        if {k: saved.get(k) for k in manifest} == manifest:
            return Generated(out, factor, saved["entries"], saved["files"], saved["bytes"], 0.0)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    real_files = knowledge_files(source)
    docs = [loader.load(f) for f in real_files]
    by_kind: dict[str, list[dict[str, Any]]] = {key: [] for key in _KIND_KEYS}
    for doc, file in zip(docs, real_files, strict=True):
        shutil.copyfile(file, out / file.name)
        for key in _KIND_KEYS:
            by_kind[key].extend((doc.data or {}).get(key) or ())
    real_count = sum(len(v) for v in by_kind.values())
    keys, real_words = _real_vocabulary(source)
    tokens = clone_tokens(factor - 1, keys, real_words)

    pending: dict[str, list[str]] = {key: [] for key in _KIND_KEYS}
    pending_bytes = 0
    written = [0]

    def flush() -> None:
        nonlocal pending, pending_bytes
        if not pending_bytes:
            return
        written[0] += 1
        parts = ["# Synthetic clones for bench/scale.py: generated, do not edit.\n"]
        for key in _KIND_KEYS:
            if pending[key]:
                parts.append(f"{key}:\n")
                parts.extend(pending[key])
        (out / f"zz-clones-{written[0]:03d}.yaml").write_text("".join(parts), encoding="utf-8")
        pending = {key: [] for key in _KIND_KEYS}
        pending_bytes = 0

    for token in tokens:
        for key in _KIND_KEYS:
            clones = [_clone_entry(raw, token) for raw in by_kind[key]]
            if not clones:
                continue
            text = yaml.dump(
                clones,
                Dumper=_Dumper,
                allow_unicode=True,
                sort_keys=False,
                width=110,
                default_flow_style=False,
            )
            size = len(text.encode("utf-8"))
            if pending_bytes and pending_bytes + size > max_file_bytes:
                flush()
            pending[key].append(text)
            pending_bytes += size
    flush()
    files = knowledge_files(out)
    total = sum(f.stat().st_size for f in files)
    result = Generated(
        out, factor, real_count * factor, len(files), total, time.perf_counter() - started
    )
    marker.write_text(
        json.dumps(
            {**manifest, "entries": result.entries, "files": result.files, "bytes": result.bytes}
        ),
        encoding="utf-8",
    )
    return result


# -- measuring ----------------------------------------------------------------------------------


def _rss_kb() -> int:
    """This process's resident memory (VmRSS) in kB, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: p99 of 100 samples is the 99th smallest, never interpolated."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def load_queries(path: Path | None = QUERIES_PATH) -> list[str]:
    """Query texts from bench/queries.yaml (every category), or the built-in mix."""
    if path is not None and path.exists():
        doc = read_yaml(path) or {}
        items = doc.get("queries") if isinstance(doc, dict) else None
        texts = [str(i["q"]) for i in items or () if isinstance(i, dict) and i.get("q")]
        if texts:
            return texts
    return list(FALLBACK_QUERIES)


def _shape(index: Any, text: str) -> str:
    """How a query resolves: "name" when the whole query is a name, brand or alias key;
    otherwise the resolver's own label (exact/target within a longer text, fuzzy, partial,
    choices, miss)."""
    from bot import words

    if words.key(text) in index.exact:
        return "name"
    match = index.resolve(text)
    if match.ambiguous:
        return "choices"
    return {"exact": "in-text", "target": "in-text"}.get(match.how, match.how or "other")


def probe(
    path: Path, queries: list[str], rounds: int, shapes: dict[str, str] | None
) -> dict[str, Any]:
    """Everything measured inside one fresh process: load, memory, per-query times."""
    import gc

    from bot.answering import answer
    from bot.loading import load_knowledge
    from bot.resolve import Index

    gc.collect()
    rss_before = _rss_kb()
    started = time.perf_counter()
    result = load_knowledge(path, with_version=False)
    loaded = time.perf_counter()
    if result.knowledge is None:
        raise RuntimeError(f"{path} does not validate: {[str(p) for p in result.errors[:3]]}")
    index = Index.build(result.knowledge)
    built = time.perf_counter()
    gc.collect()
    rss_after = _rss_kb()
    # A restart of the same files: the full load above wrote a validated snapshot.
    restart_started = time.perf_counter()
    again = load_knowledge(path, with_version=False, use_snapshot=True)
    Index.build(again.knowledge)
    restart_s = time.perf_counter() - restart_started
    del again
    shapes = shapes or {q: _shape(index, q) for q in queries}

    resolve_ns: dict[str, list[int]] = {q: [] for q in queries}
    answer_ns: dict[str, list[int]] = {q: [] for q in queries}
    clock = time.perf_counter_ns
    for q in queries:  # warm-up: the stemmer's cache and lazily built lists, as in a server
        answer(q, index)
    for _ in range(rounds):
        # Separate passes: the resolver's own cost, then the whole reply. Interleaving them
        # would time every lookup with caches just flushed by a render.
        for q in queries:
            t0 = clock()
            index.resolve(q)
            resolve_ns[q].append(clock() - t0)
        for q in queries:
            t0 = clock()
            answer(q, index)
            answer_ns[q].append(clock() - t0)

    def summary(samples: dict[str, list[int]], only: set[str] | None = None) -> dict[str, Any]:
        values = [v / 1e6 for q, vs in samples.items() if only is None or q in only for v in vs]
        if not values:
            return {"n": 0, "median_ms": None, "p99_ms": None}
        return {
            "n": len(values),
            "median_ms": statistics.median(values),
            "p99_ms": percentile(values, 0.99),
        }

    by_shape: dict[str, Any] = {}
    for shape in sorted(set(shapes.values())):
        members = {q for q in queries if shapes.get(q) == shape}
        by_shape[shape] = {
            "queries": len(members),
            "resolve": summary(resolve_ns, members),
            "answer": summary(answer_ns, members),
        }
    slowest = sorted(queries, key=lambda q: -statistics.median(answer_ns[q]))[:5]
    return {
        "entries": len(result.knowledge.entries),
        "index_keys": len(index.exact),
        "load_s": loaded - started,
        "build_s": built - loaded,
        "load_total_s": built - started,
        "restart_s": restart_s,
        "rss_before_mb": rss_before / 1024,
        "rss_after_mb": rss_after / 1024,
        "rss_delta_mb": (rss_after - rss_before) / 1024,
        "queries": len(queries),
        "rounds": rounds,
        "resolve": summary(resolve_ns),
        "answer": summary(answer_ns),
        "by_shape": by_shape,
        "shapes": shapes,
        "slowest_answers": [
            {"q": q, "median_ms": statistics.median(answer_ns[q]) / 1e6, "shape": shapes.get(q, "")}
            for q in slowest
        ],
    }


def measure(
    path: Path,
    queries: list[str],
    rounds: int,
    shapes: dict[str, str] | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Run `probe` in a fresh interpreter, so memory figures are this size's alone."""
    spec = json.dumps({"path": str(path), "queries": queries, "rounds": rounds, "shapes": shapes})
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--probe"],
        input=spec,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scale probe of {path} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(
    factors: Sequence[int] = (1, 10, 100),
    *,
    queries_path: Path | None = QUERIES_PATH,
    out_dir: Path = OUT_DIR,
    rounds: int = 5,
    source: Path = KNOWLEDGE_PATH,
    log: Any = None,
) -> dict[str, Any]:
    """Generate each size, measure it in a subprocess, and compare the sizes.

    Query shapes are fixed at 1x (the first factor) and reused at every size, so "name hits at
    100x" are the same queries as "name hits at 1x".
    """
    queries = load_queries(queries_path)
    sizes: dict[str, Any] = {}
    shapes: dict[str, str] | None = None
    for factor in factors:
        if factor == 1:
            path, gen = source, None
        else:
            gen = generate(factor, out_dir / f"knowledge-{factor}x", source)
            path = gen.path
        if log:
            log(f"scale {factor}x: measuring {path}")
        figures = measure(path, queries, rounds, shapes)
        shapes = shapes or figures["shapes"]
        figures.pop("shapes", None)
        if gen is not None:
            figures.update(
                path=str(gen.path),
                files=gen.files,
                megabytes=gen.bytes / 1e6,
                generate_s=gen.seconds,
            )
        else:
            figures.update(path=str(path))
        sizes[f"{factor}x"] = figures
    first, last = f"{factors[0]}x", f"{factors[-1]}x"
    growth: dict[str, Any] = {}
    name_first = sizes[first]["by_shape"].get("name", {}).get("resolve", {}).get("median_ms")
    name_last = sizes[last]["by_shape"].get("name", {}).get("resolve", {}).get("median_ms")
    if name_first and name_last:
        growth["name_resolve_median"] = name_last / name_first
    answer_first = sizes[first]["by_shape"].get("name", {}).get("answer", {}).get("median_ms")
    answer_last = sizes[last]["by_shape"].get("name", {}).get("answer", {}).get("median_ms")
    if answer_first and answer_last:
        growth["name_answer_median"] = answer_last / answer_first
    growth["entries"] = sizes[last]["entries"] / sizes[first]["entries"]
    growth["load"] = sizes[last]["load_total_s"] / sizes[first]["load_total_s"]
    return {
        "factors": list(factors),
        "sizes": sizes,
        "growth": growth,
        "from": first,
        "to": last,
        "target_exact_growth": TARGET_EXACT_GROWTH,
        "exact_target_met": growth.get("name_resolve_median", float("inf")) <= TARGET_EXACT_GROWTH,
    }


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_report(figures: dict[str, Any]) -> str:
    """A table per size, then what grew."""
    lines = ["Knowledge scale (in-process; times in ms unless marked)", ""]
    header = (
        "size",
        "entries",
        "files",
        "MB",
        "load+index s",
        "RSS before MB",
        "RSS after MB",
        "resolve p50",
        "resolve p99",
        "answer p50",
        "answer p99",
    )
    rows = [header]
    for name, s in figures["sizes"].items():
        rows.append(
            (
                name,
                str(s["entries"]),
                str(s.get("files", "-")),
                f"{s.get('megabytes', 0):.1f}" if "megabytes" in s else "-",
                f"{s['load_total_s']:.2f}",
                f"{s['rss_before_mb']:.0f}",
                f"{s['rss_after_mb']:.0f}",
                _ms(s["resolve"]["median_ms"]),
                _ms(s["resolve"]["p99_ms"]),
                _ms(s["answer"]["median_ms"]),
                _ms(s["answer"]["p99_ms"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        lines.append("  ".join(c.rjust(widths[i]) for i, c in enumerate(row)))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "resolve median / p99 (ms) by query shape at 1x:"]
    shapes = sorted({k for s in figures["sizes"].values() for k in s["by_shape"]})
    for shape in shapes:
        cells = []
        for name, s in figures["sizes"].items():
            b = s["by_shape"].get(shape)
            if b:
                cells.append(
                    f"{name} {_ms(b['resolve']['median_ms'])}/{_ms(b['resolve']['p99_ms'])}"
                )
        count = next(iter(figures["sizes"].values()))["by_shape"].get(shape, {}).get("queries")
        lines.append(f"  {shape:<8} ({count} queries): " + ", ".join(cells))
    g = figures["growth"]
    lines += [
        "",
        f"{figures['from']} -> {figures['to']}: entries x{g['entries']:.0f}, "
        f"load x{g['load']:.1f}, name-hit resolve median "
        f"x{g.get('name_resolve_median', float('nan')):.2f} (target <= "
        f"x{figures['target_exact_growth']:g}: "
        f"{'met' if figures['exact_target_met'] else 'NOT met'}), name-hit full answer "
        f"median x{g.get('name_answer_median', float('nan')):.2f}",
    ]
    last = figures["sizes"][figures["to"]]
    lines.append(
        f"slowest full answers at {figures['to']}: "
        + "; ".join(
            f"{s['q']!r} {s['median_ms']:.1f} ms ({s['shape']})" for s in last["slowest_answers"]
        )
    )
    return "\n".join(lines)


def finish(report: str, figures: dict[str, Any], json_path: Path | None) -> int:
    """Print a part's report and keep its figures as JSON when asked: every part's CLI ends so."""
    print(report)
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--factors", default="1,10,100", help="comma-separated sizes")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the queries")
    parser.add_argument("--smoke", action="store_true", help="1x and 2x, one round")
    parser.add_argument(
        "--generate", type=int, metavar="N", help="only write an Nx folder (to --out) and exit"
    )
    parser.add_argument("--out", type=Path, help="folder for --generate")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:  # internal: one measurement in this fresh process, spec on stdin
        spec = json.loads(sys.stdin.read())
        print(
            json.dumps(probe(Path(spec["path"]), spec["queries"], spec["rounds"], spec["shapes"]))
        )
        return 0
    if args.generate:
        out = args.out or OUT_DIR / f"knowledge-{args.generate}x"
        gen = generate(args.generate, out, reuse=False)
        print(
            f"wrote {gen.entries} entries in {gen.files} files ({gen.bytes / 1e6:.1f} MB) to "
            f"{gen.path} in {gen.seconds:.1f} s"
        )
        return 0
    factors = (1, 2) if args.smoke else tuple(int(f) for f in args.factors.split(","))
    figures = run(
        factors,
        rounds=1 if args.smoke else args.rounds,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    return finish(format_report(figures), figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
