# Convenience targets; each is exactly the command it names.
.PHONY: build run down test clean
build:
	cmake -S . -B build && cmake --build build
run:
	scripts/up.sh
down:
	scripts/down.sh
test:
	scripts/test.sh
clean:
	rm -rf build build-test
