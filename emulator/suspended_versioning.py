"""Writes to a version-suspended bucket, which moto 5.2.5 gets wrong.

S3 documents that once versioning is suspended, a write creates the key's version "null" and replaces only
an existing "null" version: versions with IDs written while versioning was enabled stay, as noncurrent
versions. moto replaces every version of the key, so a plain PUT there loses versions that S3 keeps.
"""

from typing import Any

from moto.s3.models import S3Backend


def install() -> None:
    put_object = S3Backend.put_object

    def keeping_versions_with_ids(self: S3Backend, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        bucket = self.get_bucket(bucket_name)
        if bucket.versioning_status != "Suspended":
            return put_object(self, bucket_name, key_name, *args, **kwargs)
        versions = bucket.keys.getlist(key_name, [])
        kept = [v for v in versions if v.version_id != "null"]
        # moto's put_object replaces (and disposes of) every version it finds: let it find only the "null" one.
        # dict's own methods, since the store's setlist would dispose of the versions left out.
        null_only = [v for v in versions if v.version_id == "null"]
        if null_only:
            dict.__setitem__(bucket.keys, key_name, null_only)
        elif key_name in bucket.keys:
            dict.__delitem__(bucket.keys, key_name)
        new_key = put_object(self, bucket_name, key_name, *args, **kwargs)
        dict.__setitem__(bucket.keys, key_name, kept + [new_key])
        return new_key

    S3Backend.put_object = keeping_versions_with_ids  # type: ignore[method-assign]
