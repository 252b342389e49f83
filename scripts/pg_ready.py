"""Exit 0 if the PostgreSQL URL given as the first argument accepts a connection."""
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
