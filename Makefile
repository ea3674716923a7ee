# dnsward build. `make help` lists the targets.
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

BUILD    ?= build
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg = @printf '  %-8s %s\n'
endif

PKGS      := libbpf libelf zlib ldns yaml-0.1 openssl libmicrohttpd
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Iuser -I$(BUILD)
LDLIBS    := -lbpf -lelf -lz -lldns -lyaml -lssl -lcrypto -lmicrohttpd -lpthread
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ivmlinux -Ibpf

# Every bpf/*.bpf.c becomes an object and a skeleton; user code includes <name>.skel.h.
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h bpf/lib/*.h) include/dnsward.h

# user/cli/main.c is the binary's entry; everything else under user/ (common/,
# validator/, daemon/, cli/) is the library the binary, the tools and the tests share.
LIB_SRCS  := $(filter-out user/cli/main.c,$(wildcard user/*/*.c))
USER_HDRS := $(wildcard user/*/*.h include/*.h)
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
SAN_OBJS  := $(patsubst user/%.c,$(BUILD)/san/%.o,$(LIB_SRCS))

# Test programs: tests/unit/test_*.c and tests/bpf/test_*.c, built with sanitizers.
TEST_SRCS := $(wildcard tests/unit/test_*.c tests/bpf/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
# Benchmark programs (tests/bpf/bench_*.c, not the BPF objects among them), built like
# tests, run by tests/bench/bench_*.
BENCH_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,\
	$(filter-out %.bpf.c,$(wildcard tests/bpf/bench_*.c)))
# Test-only BPF programs (tests/bpf/*.bpf.c), e.g. the pass-through baseline.
TBPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TBPF_SKELS:= $(patsubst tests/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(TBPF_SRCS))
# Tools: tools/*.c, one binary each, linked with the library.
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
# Fuzzers: tests/fuzz/fuzz_*.c, libFuzzer entry points.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: all deps test install man deb deb-build image FORCE test-build test-kernels bench bench-peers fuzz demo clean vmlinux format format-check help tools
all: $(BUILD)/dnsward tools

help:
	@echo "make deps          install every Debian package (apt-get; idempotent)"
	@echo "make               build build/dnsward and tools"
	@echo "make test          build and run every test suite"
	@echo "make test-kernels  the kernel matrix: BPF tests on the host and Debian's kernels (qemu)"
	@echo "make demo          bring the lab up and show dnsward at work"
	@echo "make bench         run the benchmarks (results in build/bench/)"
	@echo "make bench-peers   dnsward against the resolver alone in the lab (build/bench/peers.md)"
	@echo "make bench-flood   new protected names under a blind flood in the lab (build/bench/flood.md)"
	@echo "make fuzz          run the fuzzers for FUZZ_SECONDS each (default 60)"
	@echo "make install       install (PREFIX, default /usr/local; DESTDIR) binary, man pages, unit, config"
	@echo "make deb           build the Debian package with dpkg-buildpackage (build/deb/)"
	@echo "make image         the container image (buildah, from scratch; build/image/)"
	@echo "make man           check the man pages (groff -ww)"
	@echo "make vmlinux       regenerate vmlinux/vmlinux.h from this kernel's BTF"
	@echo "make format-check  check clang-format"

# Packages the build, the tests, the lab, the fuzzers, the benchmarks and the kernel
# matrix run, and nothing else. Kept in one list so CI proves it.
DEB_PKGS := clang libbpf-dev bpftool libelf-dev zlib1g-dev libldns-dev ldnsutils \
	libssl-dev libyaml-dev libclang-rt-14-dev make gcc \
	dns-root-data iproute2 nsd unbound bind9-dnsutils dnsperf gnuplot-nox strace \
	python3-dnspython python3-scapy clang-format procps openssl curl \
	qemu-system-x86 busybox-static cpio kmod xz-utils \
	groff-base man-db systemd debhelper dpkg-dev fakeroot lintian debootstrap \
	libmicrohttpd-dev prometheus \
	ansible ansible-lint buildah runc
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "  DEPS     all present"; fi

$(BUILD) $(BUILD)/obj $(BUILD)/san $(BUILD)/tests/unit $(BUILD)/tests/bpf $(BUILD)/tools $(BUILD)/fuzz:
	$(Q)mkdir -p $@

# --- BPF ---------------------------------------------------------------------
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: tests/bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# --- version -----------------------------------------------------------------
# `git describe` in a clone; the VERSION file in a tarball without .git. The header is
# rewritten only when the string changes, so only the binary's entry relinks.
VERSION_STR := $(shell git describe --tags --always --dirty 2>/dev/null || cat VERSION 2>/dev/null || echo unknown)
$(BUILD)/version.h: FORCE | $(BUILD)
	$(Q)printf '#define DNSWARD_VERSION "%s"\n' '$(VERSION_STR)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  GEN      $@ ($(VERSION_STR))"; fi
FORCE:
# The metrics' build-info gauge reports the version too.
$(BUILD)/obj/daemon/metrics_export.o $(BUILD)/san/daemon/metrics_export.o $(FUZZ_BINS): $(BUILD)/version.h

# --- user space --------------------------------------------------------------
$(BUILD)/obj/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)/obj
	$(msg) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The sanitizer build is the tests' build: it has the test-only hooks
# (user/daemon/test_reject_prog.h), which build/dnsward never has.
$(BUILD)/san/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)/san
	$(msg) CC-SAN $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -DDNSWARD_TEST_HOOKS -c $< -o $@

$(BUILD)/libdnsward.a: $(LIB_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libdnsward-san.a: $(SAN_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dnsward: user/cli/main.c $(BUILD)/libdnsward.a $(USER_HDRS) $(SKELS) $(BUILD)/version.h
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libdnsward.a $(LDLIBS) -o $@

$(BUILD)/dnsward-san: user/cli/main.c $(BUILD)/libdnsward-san.a $(USER_HDRS) $(SKELS) $(BUILD)/version.h
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) $< $(BUILD)/libdnsward-san.a $(LDLIBS) -o $@

tools: $(TOOL_BINS)
$(BUILD)/tools/%: tools/%.c $(BUILD)/libdnsward.a $(USER_HDRS) | $(BUILD)/tools
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $< $(BUILD)/libdnsward.a $(LDLIBS) -o $@

# --- tests -------------------------------------------------------------------
$(BUILD)/tests/%: tests/%.c tests/harness.h $(BUILD)/libdnsward-san.a $(USER_HDRS) $(SKELS) $(TBPF_SKELS)
	$(Q)mkdir -p $(dir $@)
	$(msg) LD-TEST $@
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itests $< $(BUILD)/libdnsward-san.a $(LDLIBS) -o $@

# test and demo install what is missing first, so they work on a fresh machine.
test: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/run

# The kernel matrix (tests/kernels/README.md): the host and each pinned Debian kernel.
test-kernels: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/kernels/run

test-build: $(BUILD)/dnsward $(BUILD)/dnsward-san $(TEST_BINS) tools

bench: $(BUILD)/dnsward $(TEST_BINS) $(BENCH_BINS) tools
	$(Q)tests/bench/run

# dnsward against the validating resolver alone, in the lab (root; about 7 minutes once
# it holds the lab's lock, at most 10; the lock wait is bounded at 15).
bench-peers: $(BUILD)/dnsward $(BUILD)/passthrough.bpf.o
	$(Q)timeout --kill-after=20 1560 tests/bench/peers

# New protected names while tools/dw-flood floods the workload with blind forgeries, in the
# lab (root; about 2 minutes once it holds the lab's lock; build/bench/flood.md).
.PHONY: bench-flood
bench-flood: $(BUILD)/dnsward tools
	$(Q)timeout --kill-after=20 1200 tests/bench/flood

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(USER_HDRS) $(SKELS) | $(BUILD)/fuzz
	$(msg) FUZZ $@
	$(Q)$(CLANG) $(filter-out -Wmissing-prototypes,$(CFLAGS)) -fsanitize=fuzzer,address,undefined $< $(LIB_SRCS) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run $(FUZZ_SECONDS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/lab/demo

# --- install, man pages, package ----------------------------------------------
# `make install PREFIX=/usr DESTDIR=/tmp/root`: the binary, the man pages, the unit (its
# paths follow SBINDIR and SYSCONFDIR), the default configuration (kept when one exists)
# and the examples. docs/install.md describes what goes where.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/dnsward
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MAN_PAGES  := man/dnsward.8 man/dnsward.yaml.5

man: $(MAN_PAGES)
	$(Q)for m in $(MAN_PAGES); do w=$$(groff -ww -man -z $$m 2>&1); \
		if [ -n "$$w" ]; then echo "$$w"; exit 1; fi; done; echo "  MAN      clean: $(MAN_PAGES)"

install: $(BUILD)/dnsward
	$(msg) INSTALL "$(DESTDIR)$(PREFIX)"
	$(Q)install -D -m 0755 $(BUILD)/dnsward $(DESTDIR)$(SBINDIR)/dnsward
	$(Q)install -D -m 0644 man/dnsward.8 $(DESTDIR)$(MANDIR)/man8/dnsward.8
	$(Q)install -D -m 0644 man/dnsward.yaml.5 $(DESTDIR)$(MANDIR)/man5/dnsward.yaml.5
	$(Q)install -d -m 0755 $(DESTDIR)$(UNITDIR)
	$(Q)sed -e 's|/usr/sbin/dnsward|$(SBINDIR)/dnsward|g' -e 's|/etc/dnsward|$(SYSCONFDIR)/dnsward|g' \
		deploy/systemd/dnsward.service > $(DESTDIR)$(UNITDIR)/dnsward.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/dnsward.service
	$(Q)install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/dnsward
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/dnsward/dnsward.yaml ] || \
		install -m 0644 deploy/config/dnsward.yaml $(DESTDIR)$(SYSCONFDIR)/dnsward/dnsward.yaml
	$(Q)install -d -m 0755 $(DESTDIR)$(DOCDIR)/examples
	$(Q)install -m 0644 examples/*.yaml $(DESTDIR)$(DOCDIR)/examples/

# `make deb`: dpkg-buildpackage (debhelper, debian/) on a copy of the tree in
# $(BUILD)/deb/, with the version in its VERSION file and debian/changelog; the package is
# $(BUILD)/deb/dnsward_<version>_<arch>.deb. Versions that are not N.… (no tag yet) become
# 0~git<describe>; '-' becomes '+'.
DEB_VERSION := $(shell echo '$(VERSION_STR)' | sed -E -e 's/^v([0-9])/\1/' -e '/^[0-9]+\./!s/^/0~git/' -e 's/-/+/g')
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB_SRC     := $(BUILD)/deb/dnsward-$(DEB_VERSION)
# The package is rebuilt only when a packaged file or the version changed (the
# sources' digest is kept beside it), since dpkg-buildpackage builds from a clean copy.
DEB_FILES = git ls-files --cached --others --exclude-standard | grep -v '^$(BUILD)/' | \
	while read -r f; do [ -f "$$f" ] && echo "$$f"; done
deb:
	$(Q)sum=$$($(DEB_FILES) | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-64); \
	if [ -f $(BUILD)/deb/dnsward_$(DEB_VERSION)_$(DEB_ARCH).deb ] && \
	   [ "$$(cat $(BUILD)/deb/sources.sha256 2>/dev/null)" = "$$sum $(VERSION_STR)" ]; then \
		echo "  DEB      $(BUILD)/deb/dnsward_$(DEB_VERSION)_$(DEB_ARCH).deb (up to date)"; \
	else $(MAKE) --no-print-directory deb-build && echo "$$sum $(VERSION_STR)" > $(BUILD)/deb/sources.sha256; fi
	$(Q)ls $(BUILD)/deb/*.deb

deb-build:
	$(msg) DEB "$(BUILD)/deb/dnsward_$(DEB_VERSION)_$(DEB_ARCH).deb"
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	$(Q)$(DEB_FILES) | tar -T - -cf - | tar -C $(DEB_SRC) -xf -
	$(Q)echo '$(VERSION_STR)' > $(DEB_SRC)/VERSION
	$(Q)printf 'dnsward (%s) unstable; urgency=medium\n\n  * Build of %s.\n\n -- %s  %s\n' \
		'$(DEB_VERSION)' '$(VERSION_STR)' "$$(sed -n 's/^Maintainer: //p' debian/control)" "$$(date -R)" \
		> $(DEB_SRC)/debian/changelog
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || { tail -30 ../build.log; exit 1; }

# `make image`: the container image for deploy/kubernetes, built by buildah from scratch
# (deploy/kubernetes/image.sh): $(BUILD)/image/dnsward-<version>.tar, an OCI archive.
image: $(BUILD)/dnsward
	$(msg) IMAGE "$(BUILD)/image/dnsward-$(VERSION_STR).tar"
	$(Q)deploy/kubernetes/image.sh $(BUILD)/dnsward $(BUILD)/image '$(VERSION_STR)' | tail -1

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

FORMAT_SRCS = $(wildcard bpf/*.c bpf/*.h bpf/lib/*.h user/*/*.c user/*/*.h include/*.h tools/*.c tests/*.h tests/unit/*.c tests/bpf/*.c tests/fuzz/*.c)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "  FORMAT   clean"

clean:
	rm -rf $(BUILD)
