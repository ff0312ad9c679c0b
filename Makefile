# A thin wrapper over Meson + Ninja. Every target installs what it needs first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
REL_BUILD  ?= build-release
# make install: where (the unit, sysusers.d and tmpfiles.d go to PREFIX/lib), and a
# staging root for packages (DESTDIR=pkg puts everything under pkg/).
PREFIX     ?= /usr/local
DESTDIR    ?=
NINJA      := ninja
LISTEN     ?= 127.0.0.1:8080
# CONVENTIONS.md pins clang-format 14: another version formats differently.
CLANG_FORMAT ?= clang-format-14
FORMAT_FILES = $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')

.PHONY: all deps run run-postgres test test-plain asan tsan check format format-check bench clean \
	install

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

deps:
	@tools/install-deps.sh build

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja: | deps
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

# ThreadSanitizer cannot share a build with AddressSanitizer: a third build dir.
$(TSAN_BUILD)/build.ninja: | deps
	meson setup $(TSAN_BUILD) --buildtype=debug -Db_sanitize=thread

$(REL_BUILD)/build.ninja: | deps
	meson setup $(REL_BUILD) --buildtype=release -Dtests=disabled

# Serves the demo site on SQLite at http://$(LISTEN) with ./stet.db (the demo
# brings its own weather forecast).
run: all
	$(BUILD)/stet serve --demo --listen $(LISTEN) --db sqlite:stet.db

# The same demo on a throwaway PostgreSQL cluster, removed again on exit.
run-postgres: all
	@tools/install-deps.sh test
	tools/run-postgres.sh $(BUILD)/stet $(LISTEN)

# Everything, plain and under AddressSanitizer + UBSan, then the unit, store and e2e
# smoke tests under ThreadSanitizer; the last line counts all three.
test:
	@tools/install-deps.sh test
	@$(MAKE) --no-print-directory all $(ASAN_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	@$(NINJA) -C $(ASAN_BUILD)
	@$(NINJA) -C $(TSAN_BUILD)
	@tools/run-tests.sh $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# The plain build only (faster while developing).
test-plain: all
	@tools/install-deps.sh test
	@tools/run-tests.sh $(BUILD)

# One sanitizer build alone.
asan: $(ASAN_BUILD)/build.ninja
	@tools/install-deps.sh test
	@$(NINJA) -C $(ASAN_BUILD)
	@tools/run-tests.sh $(ASAN_BUILD)

tsan: $(TSAN_BUILD)/build.ninja
	@tools/install-deps.sh test
	@$(NINJA) -C $(TSAN_BUILD)
	@tools/run-tests.sh $(TSAN_BUILD)

# What CI runs: the cheap static checks first, then every test.
check: format-check
	tools/check-layers.sh
	tools/check-banned.sh
	$(MAKE) --no-print-directory test

format:
	@tools/install-deps.sh check
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	@tools/install-deps.sh check
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

bench: $(REL_BUILD)/build.ninja
	@tools/install-deps.sh bench
	$(NINJA) -C $(REL_BUILD)
	bench/run.sh $(REL_BUILD)/stet

# The release build, installed: PREFIX/bin/stet, the man page stet.1, the systemd
# unit naming that binary, the stet user (sysusers.d) and /var/lib/stet
# (tmpfiles.d), and /etc/stet/stet.ini unless one exists (docs/deploy.md).
install: $(REL_BUILD)/build.ninja
	meson configure $(REL_BUILD) -Dprefix=$(PREFIX)
	$(NINJA) -C $(REL_BUILD)
	meson install -C $(REL_BUILD) --no-rebuild $(if $(DESTDIR),--destdir "$(abspath $(DESTDIR))")

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(REL_BUILD)
