# The two commands of the README, plus a few conveniences. Meson + Ninja do the real work.
.PHONY: run test build deps fuzz bench format lint clean

BUILD := build

run: deps build
	@scripts/run.sh

test:
	@scripts/test.sh

deps:
	@scripts/deps.sh

build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD) >/dev/null

fuzz:
	@scripts/fuzz.sh

format:
	@clang-format -i $$(git ls-files --cached --others --exclude-standard 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c')

lint:
	@scripts/lint.sh

clean:
	rm -rf build build-asan build-fuzz
