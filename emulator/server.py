"""moto's server with what the local stack needs and moto lacks or bends: UpdateObjectEncryption
(update_object_encryption.py), the tags of archived objects (archived_tagging.py), checksums in listings
(listed_checksums.py), object annotations (object_annotations.py), the ACL of objects completed from
multipart uploads (multipart_acl.py), writes to version-suspended buckets (suspended_versioning.py) and copies
into buckets with Object Lock (object_lock_copies.py).

Run with moto's own interpreter and moto_server's arguments: python emulator/server.py -H 127.0.0.1 -p 4566
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import archived_tagging  # noqa: E402
import listed_checksums  # noqa: E402
import multipart_acl  # noqa: E402
import object_annotations  # noqa: E402
import object_lock_copies  # noqa: E402
import suspended_versioning  # noqa: E402
import update_object_encryption  # noqa: E402

update_object_encryption.install()
archived_tagging.install()
listed_checksums.install()
multipart_acl.install()
object_annotations.install()
object_lock_copies.install()
suspended_versioning.install()

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
