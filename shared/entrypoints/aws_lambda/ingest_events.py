"""The ingest function's events: S3 drop-folder notifications delivered through SQS (read with Powertools'
S3Event and batch processor, failures reported per message), and the EventBridge timer that purges retired
versions (Powertools' EventBridgeEvent). What a change does to the index and the store is
shared/services/drop_folder.py's.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from shared.ports import RetiredVersions
from shared.services.drop_folder import S3Change, S3Ingestion

if TYPE_CHECKING:
    from shared.entrypoints.aws_lambda.entry import Handler

log = logging.getLogger(__name__)


def changes_in(body: str) -> list[S3Change]:
    """The object changes in one SQS message body (an S3 notification, read with Powertools' S3Event; the
    s3:TestEvent has no records)."""
    from aws_lambda_powertools.utilities.data_classes import S3Event

    event = S3Event(json.loads(body))
    changes = []
    for record in event.records if event.get("Records") else ():
        if not str(record.get("eventSource", "")).endswith("s3"):
            continue
        obj = record.s3.get_object  # a delete event has no size, a test or replayed one may lack the sequencer
        # S3 URL-encodes keys in events ('+' for spaces): "luật đất đai.docx" arrives as "lu%E1%BA%ADt+..."
        changes.append(S3Change(bucket=record.s3.bucket.name, key=unquote_plus(obj.key),
                                removed=record.event_name.startswith("ObjectRemoved"),
                                sequencer=obj.get("sequencer") or "", size=int(obj.get("size") or 0)))
    return changes


def is_scheduled(event: dict) -> bool:
    """The ingest function's timer (an EventBridge scheduled event), as opposed to an SQS batch."""
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

    if "source" not in event or "detail-type" not in event:  # an SQS batch has neither
        return False
    timer = EventBridgeEvent(event)
    return timer.source == "aws.events" and timer.detail_type == "Scheduled Event"


def purge_on_schedule(index: RetiredVersions) -> dict[str, int]:
    """Delete replaced versions past their grace period and drop the state records of clean documents,
    so searches stop reading them even when no write follows a batch; returns and logs the counts."""
    purged = index.purge_retired()
    counts = {"purged_chunks": purged.chunks, "dropped_state_records": purged.records_dropped,
              "state_records_left": purged.records_left}
    log.info("scheduled purge: %s", counts, extra=counts)
    return counts


def make_ingest_handler(ingestion: S3Ingestion) -> Handler:
    """The SQS batch handler: each message is one S3 notification; failures are reported per message."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> list[str]:
        return [ingestion.apply(change) for change in changes_in(record.body)]

    def handle(event: dict, context: Any) -> dict:
        return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                             context=context))

    return handle
