"""pytest-benchmark suites (`make bench`). A package so the suites can import the test helpers they share."""
