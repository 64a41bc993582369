# mk/lib.mk - libipivirt: the models (and the whole VMM) as a library.
# Included from the top-level Makefile; uses its MODEL_SRCS, VMM_SRCS,
# BUILD, CC, CPPFLAGS, CFLAGS, VARIANTS, objs and CHECK_LIBS.
#
#   make lib        build/lib/libipivirt.{a,so.*}, build/lib/ipivirt.pc
#   make install    PREFIX=/usr/local DESTDIR= : headers, libraries and
#                   soname links, pkg-config file, man pages
#   make lib-test   symbol check, install to a temporary DESTDIR, build
#                   examples/ against it through pkg-config, boot the ipi
#                   test kernel on the example VMM (2 and 4 vCPUs)

# Keep whatever default goal the including Makefile has.
lib_saved_goal := $(.DEFAULT_GOAL)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install

lib_version_field = $(shell sed -n 's/^.define IPIVIRT_VERSION_$(1) //p' vmm/version.h)
LIB_MAJOR := $(call lib_version_field,MAJOR)
LIB_MINOR := $(call lib_version_field,MINOR)
LIB_PATCH := $(call lib_version_field,PATCH)
LIB_VERSION := $(LIB_MAJOR).$(LIB_MINOR).$(LIB_PATCH)

LIB_DIR := $(BUILD)/lib
LIB_SONAME := libipivirt.so.$(LIB_MAJOR)
LIB_SO := $(LIB_DIR)/libipivirt.so.$(LIB_VERSION)
LIB_A := $(LIB_DIR)/libipivirt.a
LIB_PC := $(LIB_DIR)/ipivirt.pc
LIB_MAP := lib/libipivirt.map
LIB_HEADERS := include/ipivirt.h include/ipivirt_version.h

# The library: its own wrappers, the models, and the VMM minus the CLI.
LIB_OWN_SRCS := $(sort $(wildcard lib/*.c))
# What needs no KVM: the unit test links only these and the models.
LIB_PURE_SRCS := $(filter-out lib/vmm.c lib/guest.c,$(LIB_OWN_SRCS))
LIB_SRCS := $(LIB_OWN_SRCS) $(MODEL_SRCS) $(VMM_SRCS)
# Position-independent, everything hidden but IPIVIRT_API: own build dir.
LIB_CFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden
LIB_OBJS := $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRCS))

LIB_LIBS = $(VMM_LIBS)

LIB_MANS3 := $(sort $(wildcard man/*.3))
LIB_MANS1 := $(sort $(wildcard man/*.1))

.PHONY: lib install lib-test lib-symbol-check lib-man-check

lib: $(LIB_A) $(LIB_SO) $(LIB_DIR)/$(LIB_SONAME) $(LIB_DIR)/libipivirt.so \
	$(LIB_PC)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined \
		$(LIB_OBJS) -o $@ $(LIB_LIBS) -pthread

$(LIB_DIR)/$(LIB_SONAME): $(LIB_SO)
	ln -sf $(notdir $<) $@

$(LIB_DIR)/libipivirt.so: $(LIB_DIR)/$(LIB_SONAME)
	ln -sf $(notdir $<) $@

# One relocatable object with every hidden symbol made local, so a static
# link sees only ipivirt_* too (and no clash with the embedder's names).
# lib_archive ARCHIVE OBJS
define lib_archive
	@mkdir -p $(@D)
	$(LD) -r $(2) -o $(1:.a=.o)
	objcopy --localize-hidden $(1:.a=.o)
	rm -f $(1)
	$(AR) rcs $(1) $(1:.a=.o)
endef
$(LIB_A): $(LIB_OBJS)
	$(call lib_archive,$@,$(LIB_OBJS))

# The sanitizer variants' archives, for their ipivirt binaries.
define lib_variant_rules
$(BUILD)/$(1)/hidden/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_$(1)) -fvisibility=hidden -MMD -MP -c $$< -o $$@
$(LIB_ARCHIVE_$(1)): $(patsubst %.c,$(BUILD)/$(1)/hidden/%.o,$(LIB_SRCS))
	$$(call lib_archive,$$@,$$^)
endef
$(foreach v,asan tsan,$(eval $(call lib_variant_rules,$(v))))

lib_pc_subst = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
	-e 's|@LIBS_PRIVATE@|$(LIB_LIBS) -pthread|'

$(LIB_PC): lib/ipivirt.pc.in vmm/version.h FORCE_LIB_PC
	@mkdir -p $(@D)
	@$(lib_pc_subst) $< >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

.PHONY: FORCE_LIB_PC
FORCE_LIB_PC:

install: lib
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 644 $(LIB_HEADERS) $(DESTDIR)$(INCLUDEDIR)
	$(INSTALL) -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libipivirt.so
	$(INSTALL) -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 644 $(LIB_PC) $(DESTDIR)$(PKGCONFIGDIR)
	@set -e; for m in $(LIB_MANS1); do \
		cp -P $$m $(DESTDIR)$(MANDIR)/man1/; done
	@set -e; for m in $(LIB_MANS3); do \
		cp -P $$m $(DESTDIR)$(MANDIR)/man3/; done

lib-symbol-check: lib
	tests/lib/symbol-check.sh $(LIB_SO) $(LIB_MAP) include/ipivirt.h $(LIB_A)

# One naming rule over every object of the library and the binary.
.PHONY: name-check
name-check: $(LIB_OBJS) $(call objs,release,$(CLI_SRCS))
	tests/layout/name-check.sh $^

# Every page renders without a groff warning; every link resolves.
lib-man-check:
	tests/lib/man-check.sh man

# The unit test drives the public API from several threads; it needs the
# library's own objects, so it gets its rule here (one per variant).
define lib_unit_test_rule
$(BUILD)/$(1)/tests/test_libipivirt: $(BUILD)/$(1)/tests/unit/test_libipivirt.o \
		$(call objs,$(1),$(LIB_PURE_SRCS) $(MODEL_SRCS))
	$$(CC) $$(CFLAGS_$(1)) $$^ -o $$@ $$(CHECK_LIBS)
endef
$(foreach v,$(VARIANTS),$(eval $(call lib_unit_test_rule,$(v))))

LIB_TEST_DIR := $(CURDIR)/$(BUILD)/lib-test

lib-test: lib-symbol-check lib-man-check guest-tests
	rm -rf $(LIB_TEST_DIR)
	$(MAKE) --no-print-directory -s install DESTDIR=$(LIB_TEST_DIR)/root \
		PREFIX=/usr
	tests/lib/run.sh $(LIB_TEST_DIR) /usr guest-tests/build/ipi.elf

.DEFAULT_GOAL := $(lib_saved_goal)

-include $(wildcard $(BUILD)/pic/*/*.d $(BUILD)/pic/*/*/*.d $(foreach v,$(VARIANTS),$(BUILD)/$(v)/lib/*.d $(BUILD)/$(v)/hidden/*/*.d $(BUILD)/$(v)/hidden/*/*/*.d))
