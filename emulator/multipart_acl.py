"""The ACL of an object completed from a multipart upload that was started without one.

S3 gives every new object an ACL; without an ACL header it is private: the owner's FULL_CONTROL. moto 5.2.5
gives an object written by PutObject or CopyObject without an ACL header its bucket's ACL, but leaves one
completed from CreateMultipartUpload without an ACL header with none at all, and GetObjectAcl of it then fails
with HTTP 500. Here such an upload gets the private canned ACL, as S3 documents for new objects.
"""

import inspect
from typing import Any

from moto.s3.models import S3Backend, get_canned_acl


def install() -> None:
    create_multipart_upload = S3Backend.create_multipart_upload
    signature = inspect.signature(create_multipart_upload)

    def with_private_acl(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(self, *args, **kwargs)
        if call.arguments["acl"] is None:
            call.arguments["acl"] = get_canned_acl("private")
        return create_multipart_upload(*call.args, **call.kwargs)

    S3Backend.create_multipart_upload = with_private_acl  # type: ignore[method-assign]
