"""`vnrag`: the command line of local mode (ingest, query, documents, serve, eval); `stats` and `users create`
also reach an AWS deployment's table with --table."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shared.config import LocalSettings
from shared.domain.models import AccessLevel, Principal, Role
from shared.domain.rbac import search_filter_for

if TYPE_CHECKING:
    from shared.bootstrap.local import LocalServices
    from shared.services.analytics import Analytics

_ROLES = click.Choice([r.label for r in Role])
_LEVELS = click.Choice([a.label for a in AccessLevel])


def _services() -> LocalServices:
    from shared.bootstrap.local import build_local_services  # keeps `vnrag --help` instant

    return build_local_services(LocalSettings())


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


class _Commands(click.Group):
    """Domain errors (bad input, missing model, unknown user) end the command with their message."""

    def invoke(self, ctx: click.Context):
        from shared.domain.errors import DomainError

        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Commands)
def main() -> None:
    """vnrag: Vietnamese question answering over your documents, with citations."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--access-level", type=_LEVELS, default=None, help="Default when no sidecar says otherwise.")
@click.option("--document-type", default=None, help="Default when no sidecar says otherwise.")
def ingest(paths: tuple[Path, ...], access_level: str | None, document_type: str | None) -> None:
    """Ingest files or folders (txt, md, html, doc, docx, xlsx, xls, csv, pptx, odt, rtf, pdf, scanned PDFs and
    images by OCR). Failures are reported with their reason and skipped."""
    from shared.entrypoints.cli.files import ingest_paths

    summary = ingest_paths(_services().ingestor, paths, access_level=access_level, document_type=document_type,
                           echo=click.echo)
    skipped = f", {summary.skipped} skipped (unsupported format)" if summary.skipped else ""
    click.echo(f"{summary.indexed} indexed, {summary.unchanged} unchanged, {summary.failed} failed{skipped}")
    sys.exit(1 if summary.failed and not summary.indexed and not summary.unchanged else 0)


@main.command()
@click.argument("question")
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--role", type=_ROLES, default="director", show_default=True, help="Answer as this role.")
@click.option("--document-type", multiple=True, help="Only these document types (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def query(question: str, top_k: int, role: str, document_type: tuple[str, ...], as_json: bool) -> None:
    """Answer a question with numbered citations."""
    services = _services()
    principal = Principal(id="cli", role=Role.parse(role))
    answer = services.answerer.answer(
        question, filter=search_filter_for(principal, document_types=document_type or None), top_k=top_k)
    if as_json:
        _echo_json({"answer": answer.text, "found": answer.found, "timings_ms": answer.timings_ms,
                    "sources": [{"citation_number": c.number, "document_id": c.hit.chunk.document_id,
                                 "title": c.hit.chunk.heading_path, "score": c.hit.score, "snippet": c.snippet}
                                for c in answer.citations]})
        return
    click.echo(answer.text)
    for c in answer.citations:
        click.echo(f"  [{c.number}] {c.hit.chunk.heading_path}  ({c.hit.chunk.document_id}, {c.hit.score:.3f})")


@main.group()
def documents() -> None:
    """List, show or delete indexed documents."""


@documents.command("list")
@click.option("--role", type=_ROLES, default="director", show_default=True)
@click.option("--skip", default=0, type=click.IntRange(0))
@click.option("--limit", default=50, type=click.IntRange(1, 1000))
def documents_list(role: str, skip: int, limit: int) -> None:
    services = _services()
    docs, total = services.store.list_documents(
        filter=search_filter_for(Principal(id="cli", role=Role.parse(role))), skip=skip, limit=limit)
    for d in docs:
        click.echo(f"{d.id}\t{d.status}\t{d.access_level.label}\t{d.document_type}\t{d.chunk_count}\t{d.title}")
    click.echo(f"{len(docs)} of {total}")


@documents.command("show")
@click.argument("document_id")
def documents_show(document_id: str) -> None:
    doc = _services().store.get_document(document_id)
    if doc is None:
        raise click.ClickException(f"no document {document_id!r}")
    _echo_json({**{k: getattr(doc, k) for k in doc.__slots__}, "access_level": doc.access_level.label})


@documents.command("delete")
@click.argument("document_id")
def documents_delete(document_id: str) -> None:
    if not _services().ingestor.delete(document_id):
        raise click.ClickException(f"no document {document_id!r}")
    click.echo(f"deleted {document_id}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the HTTP API on the local data directory (creates the admin director on first run)."""
    import uvicorn

    from shared.bootstrap.local import build_local_api

    settings = LocalSettings()
    api = build_local_api(settings)
    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    generated = api.services.auth.bootstrap_admin(settings.admin_username, password)
    if generated:
        click.echo(f"Created director {settings.admin_username!r} with password: {generated}\n"
                   "(shown once; set VNRAG_ADMIN_PASSWORD to choose it)", err=True)
    click.echo(f"vnrag on http://{host}:{port}  (ask: /, documents: /documents, API docs: /api/docs)", err=True)
    uvicorn.run(api.app, host=host, port=port, log_level="info")


@main.command()
@click.option("--start", default=None, help="First day, YYYY-MM-DD (UTC). Default: 29 days before --end.")
@click.option("--end", default=None, help="Last day, YYYY-MM-DD (UTC), included. Default: today.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--rebuild-document-counts", "rebuild", is_flag=True,
              help="First recount the documents by type, access level and status (once, for documents written "
                   "before these counters existed; with --table, a scan of the table).")
@click.option("--table", default=None, help="Read the AWS deployment's DynamoDB table of this name instead of the "
                                            "local data directory (credentials and region from the environment).")
def stats(start: str | None, end: str | None, as_json: bool, rebuild: bool, table: str | None) -> None:
    """Usage, quality and document figures of the local data directory, or of the AWS table with --table
    (what /api/v1/analytics serves)."""
    analytics = _analytics(table)
    if rebuild:
        assert analytics.catalog is not None  # both roots give the analytics their document store
        counts = analytics.catalog.rebuild_document_counts()
        click.echo(f"document counts rebuilt: {sum(counts.values())} documents", err=True)
    operator = Principal(id="cli", role=Role.DIRECTOR)  # whoever runs the CLI owns the data directory
    first, last = analytics.period(operator, start, end)
    usage, quality = analytics.usage(operator, first, last), analytics.quality(operator, first, last)
    docs = analytics.documents(operator)
    if as_json:
        _echo_json({"usage": {"start": first.isoformat(), "end": last.isoformat(),
                              "total_queries": usage.total_queries, "unique_users": usage.unique_users,
                              "avg_latency_ms": usage.avg_latency_ms, "p95_latency_ms": usage.p95_latency_ms,
                              "daily": [{"date": d.isoformat(), "count": n} for d, n in usage.daily],
                              "top_queries": [{"query": q, "count": n} for q, n in usage.top_queries]},
                    "quality": {"avg_rating": quality.avg_rating,
                                "ratings": {str(r): n for r, n in quality.ratings.items()},
                                "feedback_count": quality.feedback_count,
                                "no_answer_rate": quality.no_answer_rate},
                    "documents": {"total": docs.total, "by_type": docs.by_type,
                                  "by_access_level": docs.by_access_level, "by_status": docs.by_status}})
        return
    rating = "-" if quality.avg_rating is None else f"{quality.avg_rating:.2f}"
    click.echo(f"{first} to {last}")
    click.echo(f"queries        {usage.total_queries}   unique users {usage.unique_users}")
    click.echo(f"latency        avg {usage.avg_latency_ms:.1f} ms   p95 <= {usage.p95_latency_ms:.0f} ms")
    click.echo(f"feedback       {quality.feedback_count}   avg rating {rating}   "
               + "  ".join(f"{r}*:{n}" for r, n in quality.ratings.items()))
    click.echo(f"no answer      {quality.no_answer_rate:.1%}")
    click.echo("daily          " + "  ".join(f"{d.isoformat()}:{n}" for d, n in usage.daily if n))
    click.echo("top questions")
    for question, count in usage.top_queries:
        click.echo(f"  {count:>5}  {question}")
    click.echo(f"documents      {docs.total}   by status {docs.by_status}")
    click.echo(f"               by type {docs.by_type}   by access level {docs.by_access_level}")


def _analytics(table: str | None) -> Analytics:
    if table is None:
        from shared.bootstrap.local import build_local_analytics

        return build_local_analytics(LocalSettings())
    from shared.adapters.aws.clients import AwsClients
    from shared.bootstrap.aws import build_analytics

    return build_analytics(table, AwsClients())  # boto3 honours AWS_ENDPOINT_URL (LocalStack, moto's server)


@main.group()
def users() -> None:
    """Manage users of the local API, or of the AWS deployment with --table."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=_ROLES, required=True)
@click.option("--email", default=None)
@click.option("--table", default=None, help="Create the user in the AWS deployment's DynamoDB table of this name "
                                            "(the stack's TableName output; credentials and region from the "
                                            "environment) instead of the local data directory.")
@click.password_option(help="Asked for when not given.")
def users_create(username: str, role: str, email: str | None, table: str | None, password: str) -> None:
    """Create a user; on a new AWS deployment, its first director (nobody can log in before one exists)."""
    operator = Principal(id="cli", role=Role.DIRECTOR)  # whoever runs the CLI owns the data directory or table
    user = _auth(table).create_user(operator, username, password, Role.parse(role), email)
    click.echo(f"created {user.username} ({user.role.label})" + (f" in table {table}" if table else ""))


def _auth(table: str | None):
    if table is None:
        from shared.bootstrap.local import build_local_api

        return build_local_api(LocalSettings()).services.auth
    import secrets

    from shared.adapters.aws.clients import aws_client
    from shared.adapters.aws.dynamodb.auth import DynamoDBApiKeyStore, DynamoDBUserStore
    from shared.services.auth.service import AuthService

    client = aws_client("dynamodb")  # boto3 honours AWS_ENDPOINT_URL (LocalStack, moto's server)
    # Creating a user signs no token, so the deployment's JWT secret is not needed: any valid one will do.
    return AuthService(DynamoDBUserStore(table, client=client), DynamoDBApiKeyStore(table, client=client),
                       secret=secrets.token_urlsafe(32))


@main.command("eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--queries", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense", "all"]), default="hybrid", show_default=True,
              help="'all' scores the three modes on one index; the JSON line is hybrid's, "
                   "with the others under 'modes'.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Index location (default: a temporary directory).")
@click.option("--embedding-cache", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".cache/embeddings.sqlite"), show_default=True,
              help="Passage vectors by content hash and model id, kept between runs.")
@click.option("--strip-diacritics", is_flag=True,
              help="Remove every diacritic from each question first (as typed on a plain keyboard).")
@click.option("--answers", is_flag=True,
              help="Also answer the questions whose rows carry metadata.answer and score the answers against it.")
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(1, 20),
              help="Passages each answer is drawn from (with --answers).")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the figures.")
def eval_command(corpus: Path, queries: Path, mode: str, data_dir: Path | None, embedding_cache: Path,
                 strip_diacritics: bool, answers: bool, top_k: int, as_json: bool) -> None:
    """Index a JSONL corpus and score a JSONL query set (recall, MRR, nDCG, latency; with 95 % bootstrap
    intervals), and with --answers the answers themselves."""
    from tqdm import tqdm

    from shared.services.evaluation.runner import evaluate, index_corpus, load_corpus, load_queries

    passages, questions = load_corpus(corpus), load_queries(queries)
    with tempfile.TemporaryDirectory(prefix="vnrag-eval-") as tmp:
        settings = LocalSettings(data_dir=data_dir or Path(tmp))
        from shared.bootstrap.local import build_local_services

        # The embedding cache outlives the temporary index so a second run does not re-embed.
        services = build_local_services(settings, embedding_cache=embedding_cache, answers=answers)
        with tqdm(total=len(passages), desc="indexing", unit="doc", file=sys.stderr) as bar:
            rate = index_corpus(services, passages, progress=bar.update)
        modes = ["hybrid", "bm25", "dense"] if mode == "all" else [mode]
        from shared.services.text.normalize import fold_diacritics

        transform = fold_diacritics if strip_diacritics else (lambda q: q)
        results = {m: evaluate(services, questions, mode=m, transform=transform) for m in modes}
        answered = _evaluate_answers(services, queries, top_k) if answers else None
    for m, r in results.items():
        click.echo(_summary_line(m, r))
        click.echo(f"        95% CI  {_with_ci(r, 'recall@10', 'R@10')}  {_with_ci(r, 'mrr@10', 'MRR@10')}"
                   f"  {_with_ci(r, 'ndcg@10', 'nDCG@10')}")
        for source, s in r["per_source"].items():
            click.echo(f"    {source:<26} n={s['queries']:<4} {_with_ci(s, 'recall@10', 'R@10')}  "
                       f"{_with_ci(s, 'mrr@10', 'MRR@10')}  {_with_ci(s, 'ndcg@10', 'nDCG@10')}")
    click.echo(f"indexing: {rate:.1f} passages/s")
    if answered is not None:
        _echo_answers(answered, top_k)
    if as_json:
        main_result = dict(results[modes[0]], index_passages_per_s=round(rate, 1),
                           strip_diacritics=strip_diacritics)
        if len(modes) > 1:
            main_result["modes"] = {m: {k: v for k, v in r.items() if k != "per_source"} for m, r in results.items()}
        if answered is not None:
            main_result["answers"] = answered
        _echo_json(main_result)


def _evaluate_answers(services, queries: Path, top_k: int) -> dict:
    from shared.services.evaluation.answers import evaluate_answers, load_answer_queries

    kept, skipped = load_answer_queries(queries)
    return evaluate_answers(services.answerer, kept, skipped, top_k=top_k)


def _echo_answers(r: dict, top_k: int) -> None:
    skipped = ", ".join(f"{kind} {n}" for kind, n in sorted(r["skipped"].items())) or "none"
    click.echo(f"answers (top {top_k}; skipped, containment does not fit them: {skipped})")
    for label, s in [("all", r), *r["per_type"].items()]:
        if not s["questions"]:
            continue
        click.echo(f"    {label:<12} n={s['questions']:<4} {_with_ci(s, 'answer_first_contains', 'first_contains')}  "
                   f"{_with_ci(s, 'answer_contains', 'contains')}  chars_p50 {s['answer_chars_p50']:.0f}  "
                   f"answer_ms p50 {s['answer_ms_p50']:.1f} p95 {s['answer_ms_p95']:.1f}")


def _with_ci(r: dict, name: str, label: str) -> str:
    low, high = r["ci95"][name]
    return f"{label} {r[name]:.3f} [{low:.3f}, {high:.3f}]"


def _summary_line(mode: str, r: dict) -> str:
    return (f"{mode:<7} R@1 {r['recall@1']:.3f}  R@5 {r['recall@5']:.3f}  R@10 {r['recall@10']:.3f}  "
            f"R@100 {r['recall@100']:.3f}  MRR@10 {r['mrr@10']:.3f}  nDCG@10 {r['ndcg@10']:.3f}  "
            f"p50 {r['query_ms_p50']:.1f} ms  p95 {r['query_ms_p95']:.1f} ms  (n={r['queries']})")
