/* The record hello.bpf.c sends for every openat(2). */
#ifndef __HELLO_H
#define __HELLO_H

struct event {
	__u32 pid;
	char comm[16];
	char path[256];
};

#endif
