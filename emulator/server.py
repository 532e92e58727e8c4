"""moto's server with the S3 operations the local stack needs and moto lacks (see update_object_encryption.py).

Run with moto's own interpreter and moto_server's arguments: python emulator/server.py -H 127.0.0.1 -p 4566
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from update_object_encryption import install  # noqa: E402

install()

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
