"""The checksum algorithm and type in listings, which moto 5.2.5 leaves out.

S3 lists each object's and each version's checksum algorithm and checksum type (FULL_OBJECT or COMPOSITE) in
ListObjectsV2 and ListObjectVersions. moto lists the algorithm of current objects only, and never the type,
though it keeps both for every object. A copy takes them from the listing, where they cost no KMS request.
"""

from typing import Any

from moto.s3.responses import S3Response


def _checksums_of(key: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if key is not None and key.checksum_algorithm:
        fields["ChecksumAlgorithm"] = [key.checksum_algorithm]
        # moto sets a type on multipart uploads only; a checksum of one request is of the whole object.
        fields["ChecksumType"] = key.checksum_type or "FULL_OBJECT"
    return fields


def _listed_key(response: S3Response, item: dict[str, Any], by_version: bool) -> Any:
    if not by_version:
        return response.backend.get_object(response.bucket_name, item["Key"])
    versions = response.backend.get_bucket(response.bucket_name).keys.getlist(item["Key"], [])
    return next((v for v in versions if (v.version_id or "null") == item["VersionId"]), None)


def _listing_with_checksums(list_method: Any, items_field: str, by_version: bool) -> Any:
    def listing(self: S3Response) -> Any:
        serialized = self.serialized

        def with_checksums(action_result: Any) -> Any:
            result = action_result.result
            if isinstance(result, dict):
                for item in result.get(items_field) or []:
                    item.update(_checksums_of(_listed_key(self, item, by_version)))
            return serialized(action_result)

        self.serialized = with_checksums  # type: ignore[method-assign]
        try:
            return list_method(self)
        finally:
            del self.serialized

    return listing


def install() -> None:
    S3Response.list_objects_v2 = _listing_with_checksums(S3Response.list_objects_v2, "Contents", False)  # type: ignore[method-assign]
    S3Response.list_object_versions = _listing_with_checksums(  # type: ignore[method-assign]
        S3Response.list_object_versions, "Versions", True
    )
