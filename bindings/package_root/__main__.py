import sys

from lkemu.cli import main

sys.exit(main())
