/*
 * modu_guard: what an analyst session of modu's Postgres endpoint cannot override.
 *
 * Compiled and loaded (shared_preload_libraries) by `make serve`; see guard.py next to it.
 * Every session except the role named by modu_guard.exempt_role (the admin that loads
 * releases) is guarded from the moment it authenticates:
 *
 *  - ALTER ROLE (password, attributes) and ALTER ROLE ... SET are refused. PostgreSQL lets
 *    any role change its own password and its own role-level settings, and a role is shared
 *    by every session that logs in with it: one analyst could lock the others out, or change
 *    what their sessions see.
 *  - NOTIFY is refused: the notification queue lives on disk, which any session could fill.
 *  - statement_timeout and idle_in_transaction_session_timeout stay within their caps
 *    (modu_guard.max_*): 0 or a larger value, whether from SET, set_config() or the
 *    connection's options, becomes the cap (with a NOTICE); a lower value is kept.
 *  - The process's address space is capped at its size at login plus modu_guard.memory_limit
 *    (setrlimit(RLIMIT_AS), which no SQL can raise), whatever work_mem says: a query that
 *    needs more fails with "out of memory", alone. Parallel workers of a guarded session get
 *    the same cap.
 */
#include "postgres.h"

#include <limits.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "access/parallel.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "libpq/auth.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *exempt_role = NULL;
static int	max_statement_timeout_ms = 300000;
static int	max_idle_in_transaction_ms = 300000;
static int	memory_limit_kb = 262144;

/* This process serves a session that is not the exempt role. */
static bool guarded = false;

static ClientAuthentication_hook_type prev_client_authentication = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;
static ExecutorStart_hook_type prev_executor_start = NULL;
static GucIntCheckHook prev_check_statement_timeout = NULL;
static GucIntCheckHook prev_check_idle_in_transaction = NULL;

/*
 * The stack grows on demand and counts against RLIMIT_AS. Grow its mapping now to the
 * depth PostgreSQL allows (max_stack_depth, plus a margin for the frames beyond its
 * checks): a session that reaches its cap then fails an allocation (an ERROR, for that
 * query) and never a stack growth (a crash, which would restart the server under every
 * other session). Touching the lowest byte grows the mapping; pages a compiler's stack
 * probes may have touched on the way are given back (the mapping stays).
 */
static void pg_noinline
reserve_stack(void)
{
	size_t		size = ((size_t) max_stack_depth + 512) * 1024;
	long		page = sysconf(_SC_PAGESIZE);
	volatile char *area = alloca(size);
	uintptr_t	start;
	uintptr_t	end;

	area[0] = 0;
	start = ((uintptr_t) area + page - 1) & ~((uintptr_t) page - 1);
	end = ((uintptr_t) area + size) & ~((uintptr_t) page - 1);
	if (end > start)
		(void) madvise((void *) start, end - start, MADV_DONTNEED);
}

static void
cap_memory(void)
{
	unsigned long pages = 0;
	FILE	   *statm;
	struct rlimit limit;
	rlim_t		cap;

	if (memory_limit_kb <= 0)
		return;
	reserve_stack();
	statm = fopen("/proc/self/statm", "r");
	if (statm == NULL || fscanf(statm, "%lu", &pages) != 1)
	{
		if (statm != NULL)
			fclose(statm);
		ereport(FATAL,
				(errmsg("modu_guard: cannot read /proc/self/statm to cap this session's memory")));
	}
	fclose(statm);
	cap = (rlim_t) pages * (rlim_t) sysconf(_SC_PAGESIZE) + (rlim_t) memory_limit_kb * 1024;
	if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_max != RLIM_INFINITY && limit.rlim_max < cap)
		cap = limit.rlim_max;
	limit.rlim_cur = cap;
	limit.rlim_max = cap;		/* the hard limit too: the process can never raise it again */
	if (setrlimit(RLIMIT_AS, &limit) != 0)
		ereport(FATAL,
				(errmsg("modu_guard: cannot cap this session's memory: %m")));
}

static void
guard_client_authentication(Port *port, int status)
{
	if (prev_client_authentication)
		prev_client_authentication(port, status);
	if (status == STATUS_OK &&
		(exempt_role == NULL || exempt_role[0] == '\0' || strcmp(port->user_name, exempt_role) != 0))
	{
		guarded = true;
		cap_memory();
	}
}

static void
guard_executor_start(QueryDesc *queryDesc, int eflags)
{
	/* parallel workers start from the postmaster, not from a login: guard them here */
	if (IsParallelWorker() && !guarded && !superuser())
	{
		guarded = true;
		cap_memory();
	}
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
guard_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					  ProcessUtilityContext context, ParamListInfo params,
					  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (guarded)
	{
		switch (nodeTag(pstmt->utilityStmt))
		{
			case T_AlterRoleStmt:
			case T_AlterRoleSetStmt:
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied: roles and their settings are managed by modu's `make serve`"),
						 errdetail("A role is shared by every session that logs in with it; its password and "
								   "settings are not one session's to change."),
						 errhint("Ask the operator (MODU_ANALYST_PASSWORD, MODU_PG_ANALYSTS_FILE).")));
				break;
			case T_NotifyStmt:
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied: NOTIFY is not available on this server")));
				break;
			default:
				break;
		}
	}
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* Sources a session controls: SET and set_config(), its connection's options, role and database settings. */
static bool
session_source(GucSource source)
{
	return source == PGC_S_SESSION || source == PGC_S_CLIENT || source == PGC_S_USER ||
		source == PGC_S_DATABASE_USER || source == PGC_S_DATABASE;
}

static void
clamp(int *newval, GucSource source, int cap, const char *name)
{
	/* a parallel worker takes its leader's values, which were clamped there */
	if (!guarded || cap <= 0 || IsParallelWorker() || !session_source(source))
		return;
	if (*newval == 0 || *newval > cap)
	{
		ereport(NOTICE,
				(errmsg("%s is capped at %d ms on this server; %d ms applies", name, cap, cap)));
		*newval = cap;
	}
}

static bool
check_statement_timeout(int *newval, void **extra, GucSource source)
{
	clamp(newval, source, max_statement_timeout_ms, "statement_timeout");
	return prev_check_statement_timeout == NULL || prev_check_statement_timeout(newval, extra, source);
}

static bool
check_idle_in_transaction(int *newval, void **extra, GucSource source)
{
	clamp(newval, source, max_idle_in_transaction_ms, "idle_in_transaction_session_timeout");
	return prev_check_idle_in_transaction == NULL || prev_check_idle_in_transaction(newval, extra, source);
}

/* Put a check hook on a built-in integer setting (none of the two has one of its own, but chain anyway). */
static GucIntCheckHook
hook_int_setting(const char *name, GucIntCheckHook hook)
{
	struct config_generic *setting = find_option(name, false, false, ERROR);
	struct config_int *int_setting;
	GucIntCheckHook previous;

	if (setting == NULL || setting->vartype != PGC_INT)
		ereport(ERROR, (errmsg("modu_guard: %s is not an integer setting", name)));
	int_setting = (struct config_int *) setting;
	previous = int_setting->check_hook;
	int_setting->check_hook = hook;
	return previous;
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR, (errmsg("modu_guard must be loaded with shared_preload_libraries")));

	DefineCustomStringVariable("modu_guard.exempt_role",
							   "The one role whose sessions are not guarded (modu's admin).",
							   NULL, &exempt_role, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("modu_guard.max_statement_timeout",
							"The largest statement_timeout a guarded session may have (0 = no cap).",
							NULL, &max_statement_timeout_ms, 300000, 0, INT_MAX, PGC_SIGHUP,
							GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("modu_guard.max_idle_in_transaction_session_timeout",
							"The largest idle_in_transaction_session_timeout a guarded session may have (0 = no cap).",
							NULL, &max_idle_in_transaction_ms, 300000, 0, INT_MAX, PGC_SIGHUP,
							GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("modu_guard.memory_limit",
							"Address space a guarded session may add to what it had at login (0 = no cap).",
							NULL, &memory_limit_kb, 262144, 0, INT_MAX, PGC_SIGHUP,
							GUC_UNIT_KB, NULL, NULL, NULL);
	MarkGUCPrefixReserved("modu_guard");

	prev_check_statement_timeout = hook_int_setting("statement_timeout", check_statement_timeout);
	prev_check_idle_in_transaction = hook_int_setting("idle_in_transaction_session_timeout",
													  check_idle_in_transaction);

	prev_client_authentication = ClientAuthentication_hook;
	ClientAuthentication_hook = guard_client_authentication;
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = guard_process_utility;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = guard_executor_start;
}
