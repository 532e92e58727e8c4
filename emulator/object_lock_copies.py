"""CopyObject into a bucket with Object Lock, as S3 documents it.

AWS requires a Content-MD5 or x-amz-sdk-checksum-algorithm header on requests that upload an object with a
retention period (PutObject, UploadPart: they carry the data to verify). A CopyObject uploads no data, and its
API reference asks for no such header, with or without x-amz-object-lock-* headers or a bucket default
retention. moto 5.2.5 refuses any PUT of an object that sets a retention or legal hold, or lands in a bucket
with a default retention, without one of those headers, CopyObject included
(MissingUploadObjectWithObjectLockHeaders). Here a copy passes that check; every other request keeps it.
"""

from typing import Any

from moto.s3.responses import S3Response
from werkzeug.datastructures import Headers

CHECKED = ("Content-Md5", "x-amz-sdk-checksum-algorithm")


def install() -> None:
    key_response_put = S3Response._key_response_put

    def copy_without_upload_checksum(self: S3Response, query: dict[str, Any], key_name: str) -> Any:
        is_copy = "x-amz-copy-source" in self.headers and not query.get("uploadId")
        if is_copy and not any(self.headers.get(name) for name in CHECKED):
            # moto reads the headers to decide: a copy of them that satisfies the check, for this request only.
            # (Not Content-MD5: moto would store that one on the object; copy_object never reads this one.)
            headers = Headers(list(self.headers.items()))
            headers["x-amz-sdk-checksum-algorithm"] = "CRC32"
            self.headers = headers
        return key_response_put(self, query, key_name)

    S3Response._key_response_put = copy_without_upload_checksum  # type: ignore[method-assign]
