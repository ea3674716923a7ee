/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * control_client.h: the client side of the control socket, shared by
 * `dnsward status|stats|reload|nta|flush` and `dnsward policy rollback`.
 */
#ifndef DW_CONTROL_CLIENT_H
#define DW_CONTROL_CLIENT_H

#define CTL_DEFAULT_SOCKET "/run/dnsward/control.sock"

/* Exit codes of the control clients. */
#define CTL_EXIT_OK	     0
#define CTL_EXIT_FAILED	     1 /* refused, denied or failed */
#define CTL_EXIT_USAGE	     2
#define CTL_EXIT_UNREACHABLE 3

/*
 * Send one request line; print the answer's body on stdout and a failure
 * status on stderr as "dnsward: CMD: ...". Returns one of the exit codes.
 */
int control_client_request(const char *socket_path, const char *request, const char *cmd);

/*
 * The socket path from --config FILE (its control.socket), --socket PATH or
 * the default. Returns 0, or CTL_EXIT_FAILED after printing why.
 */
int control_client_socket(const char *config, const char *socket, const char *cmd, char *out,
			  size_t out_len);

/* Resolve the socket (config, socket may be NULL) and send request. */
int control_run(const char *cmd, const char *config, const char *socket, const char *request);

#endif
