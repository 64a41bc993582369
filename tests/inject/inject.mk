# tests/inject/inject.mk - `make inject-test`: fault injection (--inject)
# makes a guest's call-function wait stall and recover, and late or lost
# kicks lose no IPI. Included from the top-level Makefile.

.PHONY: inject-test
inject-test: $(BUILD)/ipivirt guest-tests
	tests/inject/run.sh $(BUILD)/ipivirt guest-tests/build/callfunc.elf
