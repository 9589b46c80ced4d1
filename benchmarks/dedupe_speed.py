"""Speed of ``vigil companies dedupe`` on records with many aliases, as sanctions lists give.

    python benchmarks/dedupe_speed.py [--records 1000] [--seed 20261207]

Records: ``--records`` companies generated from the real words of tests/data (as ``scale.py``
does), about 30 % of them near-copies of another (a typo, another legal form, words swapped),
each with 0 to 40 aliases (legal-form variants, initials, a Cyrillic transliteration, a typo,
a former name of other words, the name with a city or a unit), so that the candidate pairs
hold millions of name-to-name comparisons. Loaded into a temporary SQLite database through
``upsert_company``.

Timed: ``propose_duplicates`` itself (what the command runs: reading the records, blocking,
scoring, clustering, filing the proposals), and the same clustering with every candidate pair
scored by ``score`` one pair of names at a time (the way before ``pair_scoring``), in turn in
the first round (the old way only then: it takes minutes), then the new way alone, best of
``--rounds``, with the matcher's caches emptied before every round; wall and CPU time. Also printed:
name comparisons the per-pair way would make, proposals, the largest proposed cluster.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import FORMS, real_words

CYRILLIC = dict(zip("abvgdeziklmnoprstufhc", "абвгдезиклмнопрстуфхц", strict=True))
CITIES = ["Lima", "Jakarta", "Dhaka", "Bogota", "Lagos", "Almaty", "Hanoi", "Quito"]
UNITS = ["Holdings", "Mining", "Trading", "Unit 2", "Branch", "Department of Mines"]
COUNTRIES = ["PE", "ID", "BD", "CO", "NG", "KZ", "VN", "EC", "RU", "CN"]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    j = rng.randrange(1, len(word) - 1)
    return word[:j] + word[j + 1] + word[j] + word[j + 2 :]


def _alias(core: list[str], words: list[str], rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return f"{' '.join(core)} {rng.choice(FORMS[2:])}"
    if kind == 1:
        return "".join(w[0] for w in core).upper() + " " + rng.choice(FORMS[2:])
    if kind == 2:
        return " ".join("".join(CYRILLIC.get(c, c) for c in w.lower()) for w in core)
    if kind == 3:
        return " ".join(_typo(w, rng) if rng.random() < 0.5 else w for w in core)
    if kind == 4:
        return " ".join(rng.sample(words, len(core)))  # a former name
    if kind == 5:
        return f"{' '.join(core)} {rng.choice(CITIES)}"
    return f"{' '.join(core)} {rng.choice(UNITS)}"


def make_records(n: int, rng: random.Random) -> list[tuple[str, list[str], str]]:
    """(name, aliases, country) of ``n`` companies."""
    words = real_words()
    made: list[tuple[list[str], str, list[str], str]] = []
    while len(made) < n:
        if made and rng.random() < 0.3:  # a near-copy of an earlier company
            core, _name, aliases, country = rng.choice(made)
            core = [_typo(w, rng) if rng.random() < 0.3 else w for w in core]
            aliases = rng.sample(aliases, len(aliases) // 2)
        else:
            core = rng.sample(words, rng.choice((1, 2, 2, 3, 3, 4)))
            count = rng.choice((0, 0, 1, 2, 3, 5, 8, 12, 20, 40))
            aliases = [_alias(core, words, rng) for _ in range(count)]
            country = rng.choice(COUNTRIES)
        name = f"{' '.join(core)} {rng.choice(FORMS)}".strip()
        made.append((core, name, [a for a in dict.fromkeys(aliases) if a != name], country))
    return [(name, aliases, country) for _core, name, aliases, country in made]


def load(url: str, rows: list[tuple[str, list[str], str]]) -> None:
    from vigil.companies.service import CompanyIn, upsert_company
    from vigil.core.db import make_engine, make_sessionmaker
    from vigil.models import metadata

    engine = make_engine(url)
    metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        for n, (name, aliases, country) in enumerate(rows):
            data = CompanyIn(key=f"b:{n}", name=name, jurisdiction=country, aliases=aliases)
            upsert_company(session, data=data)
        session.commit()
    engine.dispose()


def _cold() -> None:
    from vigil.companies import matching

    for cached in (matching.match_key, matching.legal_forms, matching.name_similarity):
        cached.cache_clear()
    matching.name_value.cache_clear()


def _per_pair(records, pairs, *, threshold):  # type: ignore[no-untyped-def]
    """The way before: ``score`` on every candidate pair, one pair of names at a time."""
    from vigil.companies.matching import score

    for i, j in pairs:
        yield i, j, score(records[i], records[j])


def run(records: int, seed: int, rounds: int = 3) -> dict[str, float]:
    import secrets
    from unittest import mock

    from vigil.companies import blocking
    from vigil.core.audit import AuditSeal, configure_audit
    from vigil.core.crypto import AuditKeys

    keys = AuditKeys(keys={"bench": secrets.token_bytes(32)}, active_id="bench")
    configure_audit(AuditSeal(keys=lambda: keys))  # a scratch database: entries not anchored
    from vigil.companies.dedupe import DEFAULT_THRESHOLD, load_records, propose_duplicates
    from vigil.core.db import make_engine, make_sessionmaker

    rng = random.Random(seed)
    rows = make_records(records, rng)
    results: dict[str, float] = {"records": len(rows)}
    results["names"] = sum(1 + len(aliases) for _name, aliases, _c in rows)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/dedupe.db"
        load(url, rows)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        with factory() as session:
            loaded = load_records(session)
        pairs = _candidate_pairs(loaded)
        results["candidate_pairs"] = len(pairs)
        results["name_comparisons_per_pair_way"] = sum(
            len(loaded[i].names) * len(loaded[j].names) for i, j in pairs
        )
        best = {"vectorised": float("inf"), "per_pair": float("inf")}
        cpu = dict(best)
        for round_ in range(rounds):
            for label in best if round_ == 0 else ["vectorised"]:  # the old way: once
                _cold()
                with factory() as session:
                    started, processor = time.perf_counter(), time.process_time()
                    if label == "per_pair":
                        with mock.patch.object(blocking, "score_pairs", _per_pair):
                            report = propose_duplicates(session, threshold=DEFAULT_THRESHOLD)
                    else:
                        report = propose_duplicates(session, threshold=DEFAULT_THRESHOLD)
                    best[label] = min(best[label], time.perf_counter() - started)
                    cpu[label] = min(cpu[label], time.process_time() - processor)
                    session.rollback()  # every round files the same proposals anew
        clusters = blocking.cluster(loaded, threshold=DEFAULT_THRESHOLD)
        engine.dispose()
    results["dedupe_s"] = best["vectorised"]
    results["dedupe_cpu_s"] = cpu["vectorised"]
    results["dedupe_per_pair_s"] = best["per_pair"]
    results["dedupe_per_pair_cpu_s"] = cpu["per_pair"]
    results["proposals"] = report.proposed
    results["largest_cluster"] = max((len(found.members) for found in clusters), default=0)
    return results


def _candidate_pairs(records):  # type: ignore[no-untyped-def]
    from vigil.companies.blocking import BlockingIndex, record_keys

    index = BlockingIndex()
    for position, record in enumerate(records):
        index.add(position, record_keys(record))
    return list(index.pairs())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for key, value in run(args.records, args.seed, args.rounds).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
