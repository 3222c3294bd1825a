import sys

from mtls_lint.cli import main

sys.exit(main())
