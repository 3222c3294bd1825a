from mtls_lint.cli import run

run()
