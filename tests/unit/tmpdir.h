/*
 * tests/unit/tmpdir.h — scratch directories for the store tests.
 */
#ifndef EIOT_TESTS_TMPDIR_H
#define EIOT_TESTS_TMPDIR_H

/* Remove dir and what it holds (files, and empty subdirectories), ignoring failures. */
void tmpdir_remove(const char *dir);

#endif
