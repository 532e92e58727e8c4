"""GetObjectTagging of archived objects, which moto refuses and S3 answers.

moto 5.2.5 answers GetObjectTagging of a GLACIER / DEEP_ARCHIVE object that is not restored with
InvalidObjectState, as it does GetObject. S3 reads and writes the tags of archived objects (tags are not the
object's data; lifecycle rules filter archived objects by them), and its GetObjectTagging documents no such
error. Re-encrypting archived objects in place needs their tags merged afterwards.
"""

from typing import Any

from moto.s3.responses import S3Response


def install() -> None:
    get_object_tagging = S3Response.get_object_tagging

    def without_storage_class_check(self: S3Response) -> Any:
        get_key = self._get_key
        self._get_key = lambda validate_storage_class=True: get_key(validate_storage_class=False)  # type: ignore[method-assign]
        try:
            return get_object_tagging(self)
        finally:
            del self._get_key

    S3Response.get_object_tagging = without_storage_class_check  # type: ignore[method-assign]
