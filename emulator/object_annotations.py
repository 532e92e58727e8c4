"""S3 object annotations for moto's server, which (as of 5.2.5) lacks them.

Follows the S3 API reference: PutObjectAnnotation (PUT /{Key+}?annotation&annotationName=N, the payload as the
body, optional x-amz-object-if-match), GetObjectAnnotation (GET ...?annotation&annotationName=N),
ListObjectAnnotations (GET /{Key+}?annotation, paginated by max-annotation-results and continuation-token,
filtered by annotation-prefix) and DeleteObjectAnnotation, each for the current object or a versionId. Each
version keeps its own annotations; changing an object's encryption in place keeps them. CopyObject carries the
source's annotations unless x-amz-object-annotation-directive is EXCLUDE; an object completed from a multipart
upload has none (S3 does not carry them through UploadPartCopy). Without this, moto takes every one of these
requests for GetObject, PutObject or DeleteObject of the object itself.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

from moto.s3.responses import S3Response

from update_object_encryption import Refused, _error


def _annotations(key: Any) -> dict[str, tuple[bytes, datetime.datetime]]:
    if not hasattr(key, "annotations"):
        key.annotations = {}
    return key.annotations  # type: ignore[no-any-return]


def _one(query: dict[str, list[str]], name: str) -> str | None:
    return (query.get(name) or [None])[0]


def _object(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    version_id = _one(query, "versionId")
    key = response.backend.get_object(response.bucket_name, key_name, version_id=version_id)
    if key is None:
        if version_id is not None:
            raise Refused(404, "NoSuchVersion", "The specified version does not exist.")
        raise Refused(404, "NoSuchKey", "The specified key does not exist.")
    return key


def _name(query: dict[str, list[str]]) -> str:
    name = _one(query, "annotationName")
    if not name:
        raise Refused(400, "InvalidRequest", "An annotation name is required.")
    return name


def _etag(payload: bytes) -> str:
    return f'"{hashlib.md5(payload).hexdigest()}"'


def _version_header(key: Any) -> dict[str, str]:
    return {"x-amz-version-id": key.version_id} if key.version_id not in (None, "null") else {}


def _put(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    key = _object(response, query, key_name)
    expected = response.headers.get("x-amz-object-if-match")
    if expected is not None and expected.strip() != key.etag:
        raise Refused(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
    payload = response.body or b""
    _annotations(key)[_name(query)] = (payload, datetime.datetime.now(datetime.timezone.utc))
    return 200, {**_version_header(key), "ETag": _etag(payload)}, ""


def _get(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    key = _object(response, query, key_name)
    name = _name(query)
    if name not in _annotations(key):
        raise Refused(404, "NoSuchAnnotation", "The specified annotation does not exist.")
    payload, modified = _annotations(key)[name]
    headers = {**_version_header(key), "ETag": _etag(payload), "Last-Modified": modified.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    return 200, headers, payload


def _list(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    key = _object(response, query, key_name)
    prefix = _one(query, "annotation-prefix") or ""
    limit = min(int(_one(query, "max-annotation-results") or 1000), 1000)
    token = _one(query, "continuation-token")
    after = base64.urlsafe_b64decode(token.encode()).decode() if token else None
    names = sorted(n for n in _annotations(key) if n.startswith(prefix) and (after is None or n > after))
    page, more = names[:limit], len(names) > limit
    entries = "".join(
        f"<AnnotationEntry><AnnotationName>{escape(n)}</AnnotationName>"
        f"<LastModified>{_annotations(key)[n][1].strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
        f"<ETag>{escape(_etag(_annotations(key)[n][0]))}</ETag><Size>{len(_annotations(key)[n][0])}</Size></AnnotationEntry>"
        for n in page
    )
    next_token = f"<NextContinuationToken>{base64.urlsafe_b64encode(page[-1].encode()).decode()}</NextContinuationToken>" if more else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListObjectAnnotationsResult>'
        f"<Annotations>{entries}</Annotations><Bucket>{escape(response.bucket_name)}</Bucket><Key>{escape(key_name)}</Key>"
        f"<AnnotationPrefix>{escape(prefix)}</AnnotationPrefix><MaxAnnotationResults>{limit}</MaxAnnotationResults>"
        f"<AnnotationCount>{len(page)}</AnnotationCount>{next_token}</ListObjectAnnotationsResult>"
    )
    return 200, {**_version_header(key), "Content-Type": "application/xml"}, body


def _delete(response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    key = _object(response, query, key_name)
    _annotations(key).pop(_name(query), None)
    return 204, _version_header(key), ""


def _handled(handler: Any, response: S3Response, query: dict[str, list[str]], key_name: str) -> Any:
    try:
        return handler(response, query, key_name)
    except Refused as err:
        return _error(err, f"/{response.bucket_name}/{key_name}")


def install() -> None:
    """Routes ?annotation on an object to the handlers above, and makes CopyObject carry annotations."""
    get, put, delete = S3Response._key_response_get, S3Response._key_response_put, S3Response._key_response_delete
    copy_object = S3Response.copy_object

    def key_response_get(self: S3Response, query: dict[str, Any], key_name: str) -> Any:
        if "annotation" in query:
            return _handled(_get if _one(query, "annotationName") else _list, self, query, key_name)
        return get(self, query, key_name)

    def key_response_put(self: S3Response, query: dict[str, Any], key_name: str) -> Any:
        if "annotation" in query and not query.get("uploadId"):
            return _handled(_put, self, query, key_name)
        return put(self, query, key_name)

    def key_response_delete(self: S3Response, bucket_name: str, query: dict[str, Any], key_name: str) -> Any:
        if "annotation" in query:
            return _handled(_delete, self, query, key_name)
        return delete(self, bucket_name, query, key_name)

    def copy_carrying_annotations(self: S3Response) -> Any:
        source = self.headers.get("x-amz-copy-source")
        source = source.decode() if isinstance(source, bytes) else source
        parsed = urlparse(source)
        src_bucket, src_key = unquote(parsed.path).lstrip("/").split("/", 1)
        version_id = parse_qs(parsed.query).get("versionId", [None])[0]
        src = self.backend.get_object(src_bucket, src_key, version_id=version_id)
        carried = dict(_annotations(src)) if src is not None else {}
        result = copy_object(self)
        if result[0] == 200:
            new_key = self.backend.get_object(self.bucket_name, self.parse_key_name())
            exclude = (self.headers.get("x-amz-object-annotation-directive") or "COPY").upper() == "EXCLUDE"
            if new_key is not None and new_key is not src:
                new_key.annotations = {} if exclude else carried
        return result

    S3Response._key_response_get = key_response_get  # type: ignore[method-assign]
    S3Response._key_response_put = key_response_put  # type: ignore[method-assign]
    S3Response._key_response_delete = key_response_delete  # type: ignore[method-assign]
    S3Response.copy_object = copy_carrying_annotations  # type: ignore[method-assign]
