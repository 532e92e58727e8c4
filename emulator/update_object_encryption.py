"""S3 UpdateObjectEncryption for moto's server, which (as of 5.2.5) lacks it.

Follows the S3 API reference (January 2026): PUT /{Key+}?encryption with an <ObjectEncryption> body holding
<SSE-KMS><KMSKeyArn/><BucketKeyEnabled/></SSE-KMS>. The object's encryption and key change in place; its data,
ETag, dates, metadata, tags, storage class, checksums and version ID stay as they were. Without this, moto
would take the request for a PutObject and overwrite the object with the XML body.

Errors, as documented: InvalidRequest (400) for an unencrypted, DSSE-KMS or SSE-C source, a missing or
malformed key ARN, another encryption type than SSE-KMS or a BucketKeyEnabled that is not true/false;
AccessDenied (403) for a key of another account or an object under Object Lock (legal hold, or a retention
date not yet passed); NoSuchKey / NoSuchVersion (404). A key that does not exist in the bucket's region, or
is not enabled, is refused as S3 refuses it for other writes: KMS.NotFoundException, KMS.DisabledException,
KMS.KMSInvalidStateException (400). moto does not store SSE-C, so that case is not reachable here.
"""

from __future__ import annotations

import datetime
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from moto.kms.models import kms_backends
from moto.s3.responses import S3Response

KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/[A-Za-z0-9-]+$")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(err: Refused, resource: str) -> tuple[int, dict[str, str], str]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{err.code}</Code><Message>{_escape(err.message)}</Message>"
        f"<Resource>{_escape(resource)}</Resource><RequestId>{uuid.uuid4()}</RequestId></Error>"
    )
    return err.status, {"Content-Type": "application/xml"}, body


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def parse_request(body: bytes) -> tuple[str, bool]:
    """The requested key ARN and Bucket Key setting, or Refused as S3 words it."""
    try:
        root = ET.fromstring(body or b"")
    except ET.ParseError:
        raise Refused(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
    sse_kms = _child(root, "SSE-KMS") if _local(root.tag) == "ObjectEncryption" else None
    if sse_kms is None:
        raise Refused(
            400,
            "InvalidRequest",
            "Requests that modify an object encryption configuration require a valid new encryption type. "
            "Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated encryption type, and then try again.",
        )
    arn_element = _child(sse_kms, "KMSKeyArn")
    arn = (arn_element.text or "").strip() if arn_element is not None else ""
    if not arn:
        raise Refused(
            400,
            "InvalidRequest",
            "Requests that modify an object's encryption type to SSE-KMS require an AWS KMS key Amazon Resource Name (ARN).",
        )
    if not KEY_ARN.match(arn):
        raise Refused(
            400,
            "InvalidRequest",
            "Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key Amazon Resource Name (ARN).",
        )
    bucket_key = _child(sse_kms, "BucketKeyEnabled")
    bucket_key_text = (bucket_key.text or "").strip().lower() if bucket_key is not None else "false"
    if bucket_key_text not in ("true", "false"):
        raise Refused(400, "InvalidRequest", "The BucketKeyEnabled value isn't valid. Valid values are true or false.")
    return arn, bucket_key_text == "true"


def _check_source(key: Any) -> None:
    if key.encryption is None:
        raise Refused(
            400,
            "InvalidRequest",
            "The UpdateObjectEncryption operation doesn't supported unencrypted source objects. "
            "Only source objects encrypted with SSE-S3 or SSE-KMS are supported.",
        )
    if key.encryption not in ("AES256", "aws:kms"):
        raise Refused(
            400,
            "InvalidRequest",
            "The UpdateObjectEncryption operation doesn't support source objects with the encryption type DSSE-KMS or SSE-C. "
            "Only source objects encrypted with SSE-S3 or SSE-KMS are supported.",
        )
    if _locked(key):
        raise Refused(
            403,
            "AccessDenied",
            "The encryption type for the specified object can't be updated because that object is protected by S3 Object Lock.",
        )


def _locked(key: Any) -> bool:
    if key.lock_legal_status == "ON":
        return True
    if key.lock_mode in ("GOVERNANCE", "COMPLIANCE") and key.lock_until:
        until = datetime.datetime.fromisoformat(key.lock_until.replace("Z", "+00:00"))
        return until > datetime.datetime.now(datetime.timezone.utc)
    return False


def _check_key(arn: str, bucket: Any) -> None:
    region, account = KEY_ARN.match(arn).groups()  # type: ignore[union-attr]
    if account != bucket.account_id:
        raise Refused(
            403,
            "AccessDenied",
            "The AWS KMS key in the request must be owned by the same account as the bucket. "
            "Modify the request to specify a KMS key from the same account, and then try again.",
        )
    if region != bucket.region_name:
        raise Refused(400, "KMS.NotFoundException", f"Invalid arn {bucket.region_name}")
    kms = kms_backends[account][region]
    key_id = arn.split(":key/", 1)[1]
    if key_id not in kms.keys:
        raise Refused(400, "KMS.NotFoundException", f"Key '{arn}' does not exist")
    state = kms.keys[key_id].key_state
    if state == "Disabled":
        raise Refused(400, "KMS.DisabledException", f"{arn} is disabled.")
    if state != "Enabled":
        raise Refused(400, "KMS.KMSInvalidStateException", f"{arn} is {state}.")


def update_object_encryption(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    bucket_name = response.bucket_name
    resource = f"/{bucket_name}/{key_name}"
    bucket = response.backend.get_bucket(bucket_name)  # NoSuchBucket is moto's own answer
    version_id = (query.get("versionId") or [None])[0]
    try:
        arn, bucket_key_enabled = parse_request(response.body)
        key = response.backend.get_object(bucket_name, key_name, version_id=version_id)
        if key is None:
            if version_id is not None:
                raise Refused(404, "NoSuchVersion", "The specified version does not exist.")
            raise Refused(404, "NoSuchKey", "The specified key does not exist.")
        _check_source(key)
        _check_key(arn, bucket)
    except Refused as err:
        return _error(err, resource)
    key.encryption = "aws:kms"
    key.kms_key_id = arn
    key.bucket_key_enabled = bucket_key_enabled
    return 200, {}, ""


def install() -> None:
    """Routes PUT ?encryption on an object to the handler above; every other request is moto's."""
    put = S3Response._key_response_put

    def key_response_put(self: S3Response, query: dict[str, Any], key_name: str) -> Any:
        if "encryption" in query and not query.get("uploadId"):
            return update_object_encryption(self, query, key_name)
        return put(self, query, key_name)

    S3Response._key_response_put = key_response_put  # type: ignore[method-assign]
