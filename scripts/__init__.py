"""Build and maintenance scripts (make template, fixtures, student-kit, gradescope, data); also
importable as scripts.<name> from the tests."""
