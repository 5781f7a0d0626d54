/* The tracer's hot path in C: what runs on every task step and every wake.
 *
 * Why C: a plain asyncio step costs about 1 us here, and the pure-Python hook and
 * step epilogue cost about 0.55 us on top of it however they are arranged (see
 * docs/performance.md, "Where the time goes").  This module does the same work
 * without the interpreter in between:
 *
 *   Recorder   the run's hot state (who is running: `waker`; rows left: `room`;
 *              `enabled`) and the steps and wakes tables, staged in C blocks and
 *              appended to the store's `array.array` columns a block at a time
 *              (`sync()` appends the rest; every reader of the store calls it).
 *   Hook       `loop.call_soon` on asyncio's own loops: a traced task's step or
 *              wakeup (and any plain callback a traced step schedules) becomes
 *              our Handle, built by writing asyncio's Handle slots directly;
 *              everything else goes to the Python hook, which stays the one
 *              place every rule is written.
 *   _run       the `_run` of those Handle classes (method descriptors put on the
 *              Python classes): time the step, note how it ended (bare yield,
 *              suspended on what, finished how), append the row.
 *   ResourceOp a queue's put_nowait / get_nowait / task_done / shutdown, and any
 *              primitive's _get_loop, while resources are recorded (issue 15,
 *              resources.py): the change row (or the `wait` row) staged here like
 *              steps and wakes, into the store's `resources` change columns.
 *
 * The Python code in tracer.py is the reference and the fallback: it must record
 * exactly the same rows (tests/test_trace_exact.py runs against both).  Anything
 * this module does not recognise is handed to the Python hook; a failure inside
 * the tracing is handed to Tracer._fail (tracing switches off, the program goes on).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>
#include <time.h>

#ifndef Py_T_OBJECT_EX
#define Py_T_OBJECT_EX T_OBJECT_EX
#define Py_T_LONG T_LONG
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_T_BOOL T_BOOL
#define Py_T_DOUBLE T_DOUBLE
#define Py_T_ULONG T_ULONG
#endif

/* schema.py */
#define END_READY (-1)
#define END_DONE (-2)
#define END_ERROR (-3)
#define END_CANCELLED (-4)
#define WAKE_TASK 1
#define WAKE_CANCEL 5
#define WAKE_CALLBACK 6
#define INHERITED 7 /* tracer._INHERITED */
#define CALLBACK_WAKER (((-1 + 1) << 3) | WAKE_CALLBACK)
#define NO_CODE INT32_MIN /* "no code: an error is set" */

#define BLOCK 4096 /* rows staged per table before they go to the store's arrays */

/* trace/resources.py */
#define RES_WAIT 9 /* OPS.index("wait") */
#define RES_WAIT_GET 0
#define RES_WAIT_PUT 1
#define RES_BIG (((long long)1) << 62) /* resources.BIG: what a number past int64 becomes */
#define RES_GET_LOOP (-1)              /* ResourceOp's op for a _get_loop */

/* --- slot offsets (asyncio's Handle, our Handle subclasses, _TaskRef) ------------------ */

static Py_ssize_t off_callback = -1, off_args = -1, off_cancelled = -1, off_loop = -1,
                  off_source_tb = -1, off_repr = -1, off_context = -1;
static Py_ssize_t off_step_ref = -1, off_step_rec = -1, off_waker_waker = -1, off_waker_rec = -1;
static Py_ssize_t off_ref_tid = -1, off_ref_code = -1, off_ref_key = -1;

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static PyObject *g_handle_run; /* asyncio.Handle._run */
static PyObject *g_report;     /* tracer._report(handle, exc): as Handle._run reports it */
static PyObject *g_asend_type, *g_athrow_type;
static PyObject *g_propagating; /* tracer._PROPAGATING: futures a cancel passes through */

static PyObject *s_fut_waiter, *s_done, *s_cancelled, *s_cancelling, *s_exception,
    *s_get_name, *s_get_coro, *s_cr_frame, *s_cr_await, *s_gi_frame, *s_gi_yieldfrom,
    *s_frombytes, *s_debug, *s_closed, *s_self, *s_context, *s_run, *s_res_attr, *s_qsize,
    *s_queue, *s_unfinished, *s_stop, *s_resource_change;

/* The offset of a T_OBJECT_EX slot of `cls`, found through its member descriptor. */
static Py_ssize_t
slot_offset(PyObject *cls, const char *name)
{
    PyObject *descr = PyObject_GetAttrString(cls, name);
    if (descr == NULL) {
        return -1;
    }
    Py_ssize_t off = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type) &&
        ((PyMemberDescrObject *)descr)->d_member->type == Py_T_OBJECT_EX) {
        off = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    else {
        PyErr_Format(PyExc_TypeError, "%R.%s is not an object slot", cls, name);
    }
    Py_DECREF(descr);
    return off;
}

static int
same_offset(Py_ssize_t *known, Py_ssize_t found)
{
    if (found < 0) {
        return -1;
    }
    if (*known >= 0 && *known != found) {
        PyErr_SetString(PyExc_TypeError, "asyncviz._hot: a Handle class with another layout");
        return -1;
    }
    *known = found;
    return 0;
}

/* --- the weak reference from our id table to a task -------------------------------- */

static PyObject * /* new reference, or NULL (no error) if the task is gone */
ref_target(PyObject *ref)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *obj = NULL;
    if (PyWeakref_GetRef(ref, &obj) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return obj;
#else
    PyObject *obj = PyWeakref_GetObject(ref);
    if (obj == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return obj == Py_None ? NULL : Py_NewRef(obj);
#endif
}

/* ====================================================================================== */
/* Recorder                                                                                */
/* ====================================================================================== */

typedef struct {
    PyObject_HEAD
    long waker;      /* what runs now, packed like a waker (tracer.py: Tracer._running) */
    Py_ssize_t room; /* rows left before the store is full */
    char enabled;
    char flushing;   /* appending a block to the store's columns now */
    char fast_clock; /* the clock is time.monotonic on Linux: read CLOCK_MONOTONIC here */
    double slow;     /* a callback at least this long held the loop */
    double step_t0;  /* when the step (or callback) running now began (read by a streamer) */
    PyObject *clock;
    PyObject *store_full;   /* store.full(now) */
    PyObject *fail;         /* tracer._fail(exc) */
    PyObject *task_error;   /* tracer._task_error(tid, exc) */
    PyObject *note_end;     /* store.note_end(tid, cancelling, unheld) */
    PyObject *blocked_cb;   /* blocked_callback(t0, t1, callback) */
    PyObject *describe;     /* describer.describe(task): the reference walk, and a miss */
    PyObject *leaf_key;     /* describer._leaf_key(future) */
    PyObject *desc_cache;   /* describer._cache */
    PyObject *user_code;    /* describer._user_code */
    PyObject *valued;       /* describer._valued */
    PyObject *ids;          /* tracer._ids: id(task) -> _TaskRef */
    PyObject *set_name;     /* store.set_name: a task's name is a string of its own */
    PyObject *cols[7];      /* step_task, step_start, step_dur, step_code, wake_task, wake_t,
                               wake_waker */
    PyObject *weakrefs; /* the store holds our sync weakly: it must not keep a tracer alive */
    /* resources (issue 15): recorded on this thread only, 0 while not recorded */
    unsigned long res_thread;
    /* store.resources' change columns, in the order a block is appended: c_t, c_task,
     * c_op, c_value, c_detail, c_res (last: a change is there once its resource is) */
    PyObject *rcols[6];
    Py_ssize_t ns, nw, nc;
    int32_t s_task[BLOCK];
    double s_start[BLOCK];
    float s_dur[BLOCK];
    int32_t s_code[BLOCK];
    int32_t w_task[BLOCK];
    double w_t[BLOCK];
    int32_t w_waker[BLOCK];
    double c_t[BLOCK];
    int32_t c_task[BLOCK];
    int8_t c_op[BLOCK];
    int64_t c_value[BLOCK];
    int64_t c_detail[BLOCK];
    int32_t c_res[BLOCK];
} Recorder;

static PyTypeObject Recorder_Type;

/* Append staged rows to the store's columns.  The block is first copied into bytes
 * objects (not GC-tracked: making them cannot start a garbage collection, whose callbacks
 * or finalizers could run Python code that records rows) and the staging emptied, so rows
 * recorded while the columns grow land in the fresh block, after these.  A flush inside a
 * flush would interleave the columns: it is refused (the tracer switches off, logged). */
static int
append_blocks(Recorder *r, PyObject **columns, void **data, const int *itemsize, int k,
              Py_ssize_t *staged)
{
    Py_ssize_t n = *staged;
    if (n == 0) {
        return 0;
    }
    if (r->flushing) {
        PyErr_SetString(PyExc_RuntimeError,
                        "asyncviz: rows recorded while the recorder appended a block");
        return -1;
    }
    PyObject *blocks[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    for (int i = 0; i < k; i++) {
        blocks[i] = PyBytes_FromStringAndSize(data[i], n * itemsize[i]);
        if (blocks[i] == NULL) {
            goto error;
        }
    }
    Py_ssize_t before[6];
    for (int i = 0; i < k; i++) {
        if ((before[i] = PyObject_Size(columns[i])) < 0) {
            goto error;
        }
    }
    *staged = 0; /* copied: even on failure below, no row is appended twice */
    r->flushing = 1;
    for (int i = 0; i < k; i++) {
        PyObject *res = PyObject_CallMethodOneArg(columns[i], s_frombytes, blocks[i]);
        if (res == NULL) {
            /* the block is lost, but the columns stay rows: cut what was appended */
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            for (int j = 0; j < i; j++) {
                if (PySequence_DelSlice(columns[j], before[j], PY_SSIZE_T_MAX) < 0) {
                    PyErr_Clear();
                }
            }
            PyErr_Restore(type, value, tb);
            r->flushing = 0;
            goto error;
        }
        Py_DECREF(res);
    }
    r->flushing = 0;
    for (int i = 0; i < k; i++) {
        Py_DECREF(blocks[i]);
    }
    return 0;
error:
    for (int i = 0; i < k; i++) {
        Py_XDECREF(blocks[i]);
    }
    return -1;
}

static int
flush_steps(Recorder *r)
{
    void *data[4] = {r->s_task, r->s_start, r->s_dur, r->s_code};
    static const int size[4] = {4, 8, 4, 4};
    return append_blocks(r, &r->cols[0], data, size, 4, &r->ns);
}

static int
flush_wakes(Recorder *r)
{
    void *data[3] = {r->w_task, r->w_t, r->w_waker};
    static const int size[3] = {4, 8, 4};
    return append_blocks(r, &r->cols[4], data, size, 3, &r->nw);
}

static int
flush_changes(Recorder *r)
{
    void *data[6] = {r->c_t, r->c_task, r->c_op, r->c_value, r->c_detail, r->c_res};
    static const int size[6] = {8, 4, 1, 8, 8, 4};
    return append_blocks(r, r->rcols, data, size, 6, &r->nc);
}

static int
rec_sync(Recorder *r)
{
    int a = flush_steps(r);
    int b = flush_wakes(r);
    int c = flush_changes(r);
    return (a < 0 || b < 0 || c < 0) ? -1 : 0;
}

static int
rec_now(Recorder *r, double *out)
{
#ifdef __linux__
    if (r->fast_clock) {
        /* exactly what time.monotonic() returns (_PyTime_AsSecondsDouble) */
        struct timespec ts;
        if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
            int64_t ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            volatile double d;
            if (ns % 1000000000 == 0) {
                d = (double)(ns / 1000000000);
            }
            else {
                d = (double)ns;
                d /= 1e9;
            }
            *out = d;
            return 0;
        }
    }
#endif
    PyObject *t = PyObject_CallNoArgs(r->clock);
    if (t == NULL) {
        return -1;
    }
    double d = PyFloat_AsDouble(t);
    Py_DECREF(t);
    if (d == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *out = d;
    return 0;
}

/* One row of room: 0 to write it, 1 if the store is full (the drop is counted), -1 error. */
static int
rec_take_room(Recorder *r, double now)
{
    r->room -= 1;
    if (r->room >= 0) {
        return 0;
    }
    if (rec_sync(r) < 0) {
        return -1;
    }
    PyObject *t = PyFloat_FromDouble(now);
    if (t == NULL) {
        return -1;
    }
    PyObject *res = PyObject_CallOneArg(r->store_full, t);
    Py_DECREF(t);
    if (res == NULL) {
        return -1;
    }
    int full = PyObject_IsTrue(res);
    Py_DECREF(res);
    return full;
}

static int
rec_step(Recorder *r, long tid, double t0, double t1, long code)
{
    int full = rec_take_room(r, t1);
    if (full != 0) {
        return full < 0 ? -1 : 0;
    }
    if (r->ns == BLOCK && flush_steps(r) < 0) {
        return -1;
    }
    Py_ssize_t i = r->ns++;
    r->s_task[i] = (int32_t)tid;
    r->s_start[i] = t0;
    r->s_dur[i] = (float)(t1 - t0);
    r->s_code[i] = (int32_t)code;
    return 0;
}

static int
rec_wake(Recorder *r, long tid, double t, long waker)
{
    int full = rec_take_room(r, t);
    if (full != 0) {
        return full < 0 ? -1 : 0;
    }
    if (r->nw == BLOCK && flush_wakes(r) < 0) {
        return -1;
    }
    Py_ssize_t i = r->nw++;
    r->w_task[i] = (int32_t)tid;
    r->w_t[i] = t;
    r->w_waker[i] = (int32_t)waker;
    return 0;
}

/* --- resources (issue 15) ---------------------------------------------------------- */

/* Resources are recorded now, here: tracing on, resources on, the recording thread. */
static inline int
res_live(Recorder *r)
{
    return r->enabled && r->res_thread != 0 && r->res_thread == PyThread_get_thread_ident();
}

/* A change row of resource `rid`: now, by what runs now (a task's step, else -1).
 * None for a resource not yet made (rid -1: a Condition's own lock set free in its
 * __init__, before the Condition has an id): its state until then is its first. */
static int
rec_change(Recorder *r, long rid, int op, long long value, long long detail)
{
    double now;
    if (rid < 0) {
        return 0;
    }
    if (r->rcols[0] == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "asyncviz._hot: the store has no resources table");
        return -1;
    }
    if (rec_now(r, &now) < 0) {
        return -1;
    }
    if (r->nc == BLOCK && flush_changes(r) < 0) {
        return -1;
    }
    long w = r->waker;
    Py_ssize_t i = r->nc++;
    r->c_t[i] = now;
    r->c_task[i] = (w & 7) == WAKE_TASK ? (int32_t)((w >> 3) - 1) : -1;
    r->c_op[i] = (int8_t)op;
    r->c_value[i] = value;
    r->c_detail[i] = detail;
    r->c_res[i] = (int32_t)rid;
    return 0;
}

static long long
res_clamp(long long v)
{
    return v > RES_BIG ? RES_BIG : (v < -RES_BIG ? -RES_BIG : v);
}

/* A change's value and detail as int64, as ResourceTable.change stores them: a number
 * past int64 (a program's Semaphore(10**30)) makes both clamp()ed, never an error. */
static int
res_numbers(PyObject *value, PyObject *detail, long long *v, long long *d)
{
    int over_v, over_d;
    *v = PyLong_AsLongLongAndOverflow(value, &over_v);
    if (*v == -1 && PyErr_Occurred()) {
        return -1;
    }
    *d = PyLong_AsLongLongAndOverflow(detail, &over_d);
    if (*d == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (over_v || over_d) {
        *v = over_v ? (over_v > 0 ? RES_BIG : -RES_BIG) : res_clamp(*v);
        *d = over_d ? (over_d > 0 ? RES_BIG : -RES_BIG) : res_clamp(*d);
    }
    return 0;
}

/* A failure inside the tracing: hand the exception to Tracer._fail, never to the program;
 * returns 0.  But a KeyboardInterrupt or SystemExit (any BaseException that is not an
 * Exception: a second Ctrl-C lands wherever the loop is) is the program's: it stays set,
 * tracing stays on, and -1 tells the caller to let it go on up (after putting back what
 * it changed).  The rows here are staged in C, never torn. */
static int
rec_fail(Recorder *r)
{
    if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError, "asyncviz._hot: a failure with no exception");
    }
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return -1;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    r->enabled = 0;
    PyObject *res = value ? PyObject_CallOneArg(r->fail, value) : NULL;
    if (res == NULL) {
        PyErr_WriteUnraisable(r->fail);
    }
    Py_XDECREF(res);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return 0;
}

/* --- how a step ended ------------------------------------------------------------------ */

/* A task nothing else refers to, as task_end sees it: the step's callback the loop still
 * holds (the task's bound step or wakeup) and finish_step's own reference. */
#define UNHELD_REFS 2

/* The task has just ended done or failed: what only this moment shows (store.TaskEnd):
 * the cancel requests still pending, and whether nothing but the loop refers to it. */
static int
end_facts(Recorder *r, PyObject *task, long tid)
{
    int unheld = Py_REFCNT(task) <= UNHELD_REFS;
    PyObject *res = PyObject_CallMethodNoArgs(task, s_cancelling);
    long cancelling = res ? PyLong_AsLong(res) : -1;
    Py_XDECREF(res);
    if (cancelling == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (cancelling == 0 && !unheld) {
        return 0;
    }
    res = PyObject_CallFunction(r->note_end, "lli", tid, cancelling, unheld);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* The task has just finished: its outcome, its final name, out of the id table. */
static long
task_end(Recorder *r, PyObject *task, PyObject *ref, long tid)
{
    long code;
    PyObject *res = PyObject_CallMethodNoArgs(task, s_cancelled);
    if (res == NULL) {
        return NO_CODE;
    }
    int cancelled = PyObject_IsTrue(res);
    Py_DECREF(res);
    if (cancelled < 0) {
        return NO_CODE;
    }
    if (cancelled) {
        code = END_CANCELLED;
    }
    else {
        PyObject *exc = PyObject_GetAttr(task, s_exception);
        if (exc == NULL) {
            return NO_CODE;
        }
        if (exc != Py_None) {
            code = END_ERROR;
            PyObject *tid_obj = PyLong_FromLong(tid);
            res = tid_obj ? PyObject_CallFunctionObjArgs(r->task_error, tid_obj, exc, NULL)
                          : NULL;
            Py_XDECREF(tid_obj);
            Py_DECREF(exc);
            if (res == NULL) {
                return NO_CODE;
            }
            Py_DECREF(res);
        }
        else {
            Py_DECREF(exc);
            code = END_DONE;
        }
        if (end_facts(r, task, tid) < 0) {
            return NO_CODE;
        }
    }
    PyObject *name = PyObject_CallMethodNoArgs(task, s_get_name);
    if (name == NULL) {
        return NO_CODE;
    }
    PyObject *tid_obj = PyLong_FromLong(tid);
    if (tid_obj == NULL) {
        Py_DECREF(name);
        return NO_CODE;
    }
    PyObject *set = PyObject_CallFunctionObjArgs(r->set_name, tid_obj, name, NULL);
    Py_DECREF(tid_obj);
    Py_DECREF(name);
    if (set == NULL) {
        return NO_CODE;
    }
    Py_DECREF(set);
    if (PyDict_DelItem(r->ids, SLOT(ref, off_ref_key)) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) {
            return NO_CODE;
        }
        PyErr_Clear();
    }
    return code;
}

static long
long_of(PyObject *obj)
{
    long value = PyLong_AsLong(obj);
    if (value == -1 && PyErr_Occurred()) {
        return NO_CODE;
    }
    return value;
}

static long
describe_in_python(Recorder *r, PyObject *task)
{
    PyObject *sid = PyObject_CallOneArg(r->describe, task);
    if (sid == NULL) {
        return NO_CODE;
    }
    long code = long_of(sid);
    Py_DECREF(sid);
    return code;
}

/* AwaitDescriber.describe's walk and cache lookup (awaits.py), the same key built the same
 * way; anything unusual (an async generator's asend, a code object not seen before, a key
 * not in the cache) is left to the Python describe, which also fills the cache. */
static long
describe(Recorder *r, PyObject *task)
{
    PyObject *parts = PyList_New(0);
    if (parts == NULL) {
        return NO_CODE;
    }
    PyObject *obj = PyObject_CallMethodNoArgs(task, s_get_coro);
    PyObject *cid = NULL; /* borrowed from parts */
    long code = NO_CODE;
    int python = 0;
    while (obj != NULL) {
        PyTypeObject *kind = Py_TYPE(obj);
        PyObject *frame, *next;
        if (kind == &PyCoro_Type) {
            frame = PyObject_GetAttr(obj, s_cr_frame);
            next = frame ? PyObject_GetAttr(obj, s_cr_await) : NULL;
        }
        else if (kind == &PyGen_Type) {
            frame = PyObject_GetAttr(obj, s_gi_frame);
            next = frame ? PyObject_GetAttr(obj, s_gi_yieldfrom) : NULL;
        }
        else if ((PyObject *)kind == g_asend_type || (PyObject *)kind == g_athrow_type) {
            python = 1;
            break;
        }
        else {
            break;
        }
        Py_SETREF(obj, next);
        if (frame == NULL || next == NULL) {
            Py_XDECREF(frame);
            goto error;
        }
        if (frame == Py_None) {
            Py_DECREF(frame);
            break;
        }
        PyCodeObject *fcode = PyFrame_GetCode((PyFrameObject *)frame);
        PyObject *id = PyLong_FromVoidPtr(fcode);
        Py_DECREF(fcode);
        PyObject *lasti = PyLong_FromLong(PyFrame_GetLasti((PyFrameObject *)frame));
        if (id == NULL || lasti == NULL || PyList_Append(parts, id) < 0 ||
            PyList_Append(parts, lasti) < 0) {
            Py_XDECREF(id);
            Py_XDECREF(lasti);
            Py_DECREF(frame);
            goto error;
        }
        Py_DECREF(lasti);
        Py_DECREF(id);
        cid = id; /* parts holds it */
        PyObject *fmt = PyDict_GetItemWithError(r->valued, cid);
        if (fmt != NULL) {
            PyObject *value = PyObject_CallOneArg(fmt, frame);
            if (value == NULL || PyList_Append(parts, value) < 0) {
                Py_XDECREF(value);
                Py_DECREF(frame);
                goto error;
            }
            Py_DECREF(value);
        }
        Py_DECREF(frame);
        if (PyErr_Occurred()) {
            goto error;
        }
    }
    if (obj == NULL && !python) {
        goto error;
    }
    if (!python) {
        int user = 1;
        if (cid != NULL) {
            PyObject *known = PyDict_GetItemWithError(r->user_code, cid);
            if (known == NULL) {
                if (PyErr_Occurred()) {
                    goto error;
                }
                python = 1; /* code not seen before */
            }
            else {
                user = PyObject_IsTrue(known);
            }
        }
        if (!python && user) {
            PyObject *leaf = PyObject_GetAttr(task, s_fut_waiter);
            PyObject *label = leaf ? PyObject_CallOneArg(r->leaf_key, leaf) : NULL;
            Py_XDECREF(leaf);
            if (label == NULL || PyList_Append(parts, label) < 0) {
                Py_XDECREF(label);
                goto error;
            }
            Py_DECREF(label);
        }
    }
    if (!python) {
        PyObject *key = PyList_AsTuple(parts);
        if (key == NULL) {
            goto error;
        }
        PyObject *sid = PyDict_GetItemWithError(r->desc_cache, key);
        Py_DECREF(key);
        if (sid != NULL) {
            code = long_of(sid);
        }
        else if (PyErr_Occurred()) {
            goto error;
        }
        else {
            python = 1;
        }
    }
    Py_XDECREF(obj);
    Py_DECREF(parts);
    return python ? describe_in_python(r, task) : code;
error:
    Py_XDECREF(obj);
    Py_DECREF(parts);
    return NO_CODE;
}

/* After a traced step: how it ended; append its row.  Failures go to Tracer._fail;
 * -1: an interrupt is set (rec_fail). */
static int
finish_step(Recorder *r, PyObject *ref, long tid, double t0, double t1)
{
    long code = NO_CODE;
    PyObject *task = ref_target(ref);
    if (task == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "asyncviz: a task vanished during its own step");
        return rec_fail(r);
    }
    PyObject *waiter = PyObject_GetAttr(task, s_fut_waiter);
    if (waiter != NULL) {
        if (waiter != Py_None) {
            code = describe(r, task);
        }
        else {
            PyObject *res = PyObject_CallMethodNoArgs(task, s_done);
            int done = res ? PyObject_IsTrue(res) : -1;
            Py_XDECREF(res);
            if (done == 0) {
                code = END_READY;
            }
            else if (done > 0) {
                code = task_end(r, task, ref, tid);
            }
        }
        Py_DECREF(waiter);
    }
    Py_DECREF(task);
    if (code == NO_CODE || rec_step(r, tid, t0, t1, code) < 0) {
        return rec_fail(r);
    }
    return 0;
}

/* --- Python-facing methods --------------------------------------------------------------- */

static PyObject *
Recorder_step(Recorder *r, PyObject *args)
{
    long tid, code;
    double t0, t1;
    if (!PyArg_ParseTuple(args, "lddl", &tid, &t0, &t1, &code)) {
        return NULL;
    }
    if (rec_step(r, tid, t0, t1, code) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Recorder_wake(Recorder *r, PyObject *args)
{
    long tid, waker;
    double t;
    if (!PyArg_ParseTuple(args, "ldl", &tid, &t, &waker)) {
        return NULL;
    }
    if (rec_wake(r, tid, t, waker) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* resource_change(rid, op, value, detail): the Python-facing writer of a change row
 * (recorder.PyRecorder.resource_change is its reference); nothing unless resources are
 * recorded now, on this thread. */
static PyObject *
Recorder_resource_change(Recorder *r, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "resource_change() takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!res_live(r)) {
        Py_RETURN_NONE;
    }
    long rid = PyLong_AsLong(args[0]);
    long op = rid == -1 && PyErr_Occurred() ? -1 : PyLong_AsLong(args[1]);
    long long value, detail;
    if ((op == -1 && PyErr_Occurred()) || res_numbers(args[2], args[3], &value, &detail) < 0 ||
        rec_change(r, rid, (int)op, value, detail) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Recorder_sync(Recorder *r, PyObject *unused)
{
    if (rec_sync(r) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Recorder_describe(Recorder *r, PyObject *task)
{
    long code = describe(r, task);
    return code == NO_CODE ? NULL : PyLong_FromLong(code);
}

static PyObject *
Recorder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"store",   "clock",  "fast_clock", "fail",  "task_error",
                             "blocked", "describer", "ids", "slow", NULL};
    PyObject *store, *clock, *fail, *task_error, *blocked, *describer, *ids;
    int fast_clock;
    double slow;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOpOOOOO!d", kwlist, &store, &clock,
                                     &fast_clock, &fail, &task_error, &blocked, &describer,
                                     &PyDict_Type, &ids, &slow)) {
        return NULL;
    }
    Recorder *r = (Recorder *)type->tp_alloc(type, 0);
    if (r == NULL) {
        return NULL;
    }
    r->enabled = 1;
    r->fast_clock = (char)fast_clock;
    r->slow = slow;
    r->waker = CALLBACK_WAKER;
    r->clock = Py_NewRef(clock);
    r->fail = Py_NewRef(fail);
    r->task_error = Py_NewRef(task_error);
    r->blocked_cb = Py_NewRef(blocked);
    r->ids = Py_NewRef(ids);
    static const char *columns[7] = {"step_task", "step_start", "step_dur", "step_code",
                                     "wake_task", "wake_t",     "wake_waker"};
    for (int i = 0; i < 7; i++) {
        if ((r->cols[i] = PyObject_GetAttrString(store, columns[i])) == NULL) {
            goto error;
        }
    }
    if ((r->store_full = PyObject_GetAttrString(store, "full")) == NULL ||
        (r->set_name = PyObject_GetAttrString(store, "set_name")) == NULL ||
        (r->note_end = PyObject_GetAttrString(store, "note_end")) == NULL ||
        (r->describe = PyObject_GetAttrString(describer, "describe")) == NULL ||
        (r->leaf_key = PyObject_GetAttrString(describer, "_leaf_key")) == NULL ||
        (r->desc_cache = PyObject_GetAttrString(describer, "_cache")) == NULL ||
        (r->user_code = PyObject_GetAttrString(describer, "_user_code")) == NULL ||
        (r->valued = PyObject_GetAttrString(describer, "_valued")) == NULL) {
        goto error;
    }
    if (!PyDict_Check(r->desc_cache) ||
        !PyDict_Check(r->user_code) || !PyDict_Check(r->valued)) {
        PyErr_SetString(PyExc_TypeError, "asyncviz._hot: the describer's caches are not dicts");
        goto error;
    }
    /* the resources' change columns (a store without them: resource_change fails) */
    PyObject *table = PyObject_GetAttrString(store, "resources");
    if (table == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            goto error;
        }
        PyErr_Clear();
    }
    else {
        static const char *rcolumns[6] = {"c_t", "c_task", "c_op", "c_value", "c_detail",
                                          "c_res"};
        static const long ritemsize[6] = {8, 4, 1, 8, 8, 4};
        for (int i = 0; i < 6; i++) {
            PyObject *column = r->rcols[i] = PyObject_GetAttrString(table, rcolumns[i]);
            PyObject *size = column ? PyObject_GetAttrString(column, "itemsize") : NULL;
            long got = size ? PyLong_AsLong(size) : -1;
            Py_XDECREF(size);
            if (PyErr_Occurred()) {
                Py_DECREF(table);
                goto error;
            }
            if (got != ritemsize[i]) {
                PyErr_Format(PyExc_TypeError,
                             "asyncviz._hot: resources column %s has items of %ld bytes",
                             rcolumns[i], got);
                Py_DECREF(table);
                goto error;
            }
        }
        Py_DECREF(table);
    }
    PyObject *capacity = PyObject_GetAttrString(store, "capacity");
    PyObject *rows = capacity ? PyObject_GetAttrString(store, "rows") : NULL;
    if (rows == NULL) {
        Py_XDECREF(capacity);
        goto error;
    }
    Py_ssize_t cap = PyLong_AsSsize_t(capacity);
    Py_ssize_t used = (cap == -1 && PyErr_Occurred()) ? -1 : PyLong_AsSsize_t(rows);
    Py_DECREF(capacity);
    Py_DECREF(rows);
    if (PyErr_Occurred()) {
        goto error;
    }
    r->room = cap - used;
    /* the columns are what the staging blocks are copied into, byte for byte */
    static const long itemsize[7] = {4, 8, 4, 4, 4, 8, 4};
    for (int i = 0; i < 7; i++) {
        PyObject *size = PyObject_GetAttrString(r->cols[i], "itemsize");
        long got = size ? PyLong_AsLong(size) : -1;
        Py_XDECREF(size);
        if (PyErr_Occurred()) {
            goto error;
        }
        if (got != itemsize[i]) {
            PyErr_Format(PyExc_TypeError, "asyncviz._hot: store column %s has items of %ld bytes",
                         columns[i], got);
            goto error;
        }
    }
    return (PyObject *)r;
error:
    Py_DECREF(r);
    return NULL;
}

static int
Recorder_traverse(Recorder *r, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(r));
    Py_VISIT(r->clock);
    Py_VISIT(r->store_full);
    Py_VISIT(r->fail);
    Py_VISIT(r->task_error);
    Py_VISIT(r->blocked_cb);
    Py_VISIT(r->describe);
    Py_VISIT(r->leaf_key);
    Py_VISIT(r->desc_cache);
    Py_VISIT(r->user_code);
    Py_VISIT(r->valued);
    Py_VISIT(r->ids);
    Py_VISIT(r->set_name);
    Py_VISIT(r->note_end);
    for (int i = 0; i < 7; i++) {
        Py_VISIT(r->cols[i]);
    }
    for (int i = 0; i < 6; i++) {
        Py_VISIT(r->rcols[i]);
    }
    return 0;
}

static int
Recorder_clear(Recorder *r)
{
    Py_CLEAR(r->clock);
    Py_CLEAR(r->store_full);
    Py_CLEAR(r->fail);
    Py_CLEAR(r->task_error);
    Py_CLEAR(r->blocked_cb);
    Py_CLEAR(r->describe);
    Py_CLEAR(r->leaf_key);
    Py_CLEAR(r->desc_cache);
    Py_CLEAR(r->user_code);
    Py_CLEAR(r->valued);
    Py_CLEAR(r->ids);
    Py_CLEAR(r->set_name);
    Py_CLEAR(r->note_end);
    for (int i = 0; i < 7; i++) {
        Py_CLEAR(r->cols[i]);
    }
    for (int i = 0; i < 6; i++) {
        Py_CLEAR(r->rcols[i]);
    }
    r->enabled = 0;
    return 0;
}

/* Rows still staged when the recorder goes are appended: a store outliving its tracer
 * keeps every row.  A finalizer (PEP 442), so it runs before the GC clears a cycle. */
static void
Recorder_finalize(Recorder *r)
{
    if (r->cols[0] == NULL || (r->ns == 0 && r->nw == 0 && r->nc == 0)) {
        return;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (rec_sync(r) < 0) {
        PyErr_WriteUnraisable((PyObject *)r);
    }
    PyErr_Restore(type, value, tb);
}

static void
Recorder_dealloc(Recorder *r)
{
    PyTypeObject *tp = Py_TYPE(r);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)r) < 0) {
        return; /* resurrected */
    }
    PyObject_GC_UnTrack(r);
    if (r->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)r);
    }
    Recorder_clear(r);
    tp->tp_free((PyObject *)r);
}

static PyMethodDef Recorder_methods[] = {
    {"step", (PyCFunction)Recorder_step, METH_VARARGS,
     "step(tid, t0, t1, code): append a steps row (or count a drop)."},
    {"wake", (PyCFunction)Recorder_wake, METH_VARARGS,
     "wake(tid, t, waker): append a wakes row (or count a drop)."},
    {"sync", (PyCFunction)Recorder_sync, METH_NOARGS,
     "Append the staged rows to the store's columns."},
    {"resource_change", (PyCFunction)(void (*)(void))Recorder_resource_change, METH_FASTCALL,
     "resource_change(rid, op, value, detail): stage a change row of a resource (now, by "
     "the task running now), if resources are recorded now, on this thread."},
    {"describe", (PyCFunction)Recorder_describe, METH_O,
     "describe(task): the suspension id of a task that has just suspended."},
    {NULL}};

static PyMemberDef Recorder_members[] = {
    {"waker", Py_T_LONG, offsetof(Recorder, waker), 0, "what runs now, packed like a waker"},
    {"room", Py_T_PYSSIZET, offsetof(Recorder, room), 0, "rows left before the store is full"},
    {"enabled", Py_T_BOOL, offsetof(Recorder, enabled), 0, "False once tracing is off"},
    {"res_thread", Py_T_ULONG, offsetof(Recorder, res_thread), 0,
     "resources are recorded on this thread (threading.get_ident()); 0: not recorded"},
    {"step_t0", Py_T_DOUBLE, offsetof(Recorder, step_t0), 0,
     "when the task step running now began (a streamer reports a step holding the loop)"},
    {NULL}};

static PyTypeObject Recorder_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "visualizer.instrument._hot.Recorder",
    .tp_basicsize = sizeof(Recorder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The run's hot state and its steps and wakes tables, staged in C.",
    .tp_new = Recorder_new,
    .tp_dealloc = (destructor)Recorder_dealloc,
    .tp_traverse = (traverseproc)Recorder_traverse,
    .tp_clear = (inquiry)Recorder_clear,
    .tp_finalize = (destructor)Recorder_finalize,
    .tp_weaklistoffset = offsetof(Recorder, weakrefs),
    .tp_methods = Recorder_methods,
    .tp_members = Recorder_members,
};

/* ====================================================================================== */
/* Handle._run                                                                             */
/* ====================================================================================== */

/* self._context.run(self._callback, *self._args), as Context.run does it. */
static PyObject *
run_in_context(PyObject *self)
{
    PyObject *context = SLOT(self, off_context);
    PyObject *callback = SLOT(self, off_callback);
    PyObject *args = SLOT(self, off_args);
    if (context == NULL || callback == NULL || args == NULL || !PyTuple_Check(args)) {
        PyErr_SetString(PyExc_AttributeError, "asyncviz: an incomplete Handle");
        return NULL;
    }
    /* held: the callback may cancel its own handle, which sets these slots to None */
    Py_INCREF(context);
    Py_INCREF(callback);
    Py_INCREF(args);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *res = NULL;
    if (PyContext_CheckExact(context)) {
        if (PyContext_Enter(context) == 0) {
            res = PyObject_Vectorcall(callback, &PyTuple_GET_ITEM(args, 0), n, NULL);
            if (PyContext_Exit(context) < 0) {
                Py_CLEAR(res);
            }
        }
    }
    else {
        PyObject *run = PyObject_GetAttr(context, s_run);
        PyObject *full = run ? PyTuple_New(n + 1) : NULL;
        if (full != NULL) {
            PyTuple_SET_ITEM(full, 0, Py_NewRef(callback));
            for (Py_ssize_t i = 0; i < n; i++) {
                PyTuple_SET_ITEM(full, i + 1, Py_NewRef(PyTuple_GET_ITEM(args, i)));
            }
            res = PyObject_Call(run, full, NULL);
        }
        Py_XDECREF(run);
        Py_XDECREF(full);
    }
    Py_DECREF(args);
    Py_DECREF(callback);
    Py_DECREF(context);
    return res;
}

/* Run the callback; an exception is reported exactly as asyncio's Handle._run reports it
 * (SystemExit and KeyboardInterrupt propagate).  Returns 0, or -1 with the error set. */
static int
run_reporting(PyObject *self)
{
    PyObject *res = run_in_context(self);
    if (res != NULL) {
        Py_DECREF(res);
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_SystemExit) ||
        PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        return -1;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    /* as inside Handle._run's `except` clause: sys.exc_info() is this exception */
    PyObject *handled = PyErr_GetHandledException();
    PyErr_SetHandledException(value);
    res = PyObject_CallFunctionObjArgs(g_report, self, value, NULL);
    PyErr_SetHandledException(handled);
    Py_XDECREF(handled);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

static Recorder *
recorder_of(PyObject *self, Py_ssize_t off)
{
    PyObject *rec = SLOT(self, off);
    return (rec != NULL && Py_IS_TYPE(rec, &Recorder_Type)) ? (Recorder *)rec : NULL;
}

/* How a _run ends: the callback's own exception (err < 0: type, value, tb) goes on up;
 * an interrupt set while recording after it replaces it, as one raised in a `finally`
 * would, with the callback's as its __context__. */
static PyObject *
end_run(int err, int interrupted, PyObject *type, PyObject *value, PyObject *tb)
{
    if (interrupted) {
        if (err < 0) {
            PyErr_NormalizeException(&type, &value, &tb);
            PyObject *t2, *v2, *tb2;
            PyErr_Fetch(&t2, &v2, &tb2);
            PyErr_NormalizeException(&t2, &v2, &tb2);
            if (v2 != NULL && value != NULL && v2 != value) {
                PyException_SetContext(v2, Py_NewRef(value));
            }
            PyErr_Restore(t2, v2, tb2);
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
        }
        return NULL;
    }
    if (err < 0) {
        PyErr_Restore(type, value, tb);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* StepHandle._run: a traced task's step. */
static PyObject *
step_run(PyObject *self, PyObject *unused)
{
    Recorder *r = recorder_of(self, off_step_rec);
    PyObject *ref = SLOT(self, off_step_ref);
    if (r == NULL || ref == NULL || !r->enabled) {
        return PyObject_CallOneArg(g_handle_run, self);
    }
    Py_INCREF(r);
    Py_INCREF(ref);
    long tid = long_of(SLOT(ref, off_ref_tid));
    long code = tid == NO_CODE ? NO_CODE : long_of(SLOT(ref, off_ref_code));
    double t0, t1;
    if (tid == NO_CODE || code == NO_CODE || rec_now(r, &t0) < 0) {
        int interrupted = rec_fail(r) < 0;
        Py_DECREF(ref);
        Py_DECREF(r);
        return interrupted ? NULL : PyObject_CallOneArg(g_handle_run, self);
    }
    long prev = r->waker;
    double prev_t0 = r->step_t0;
    r->step_t0 = t0; /* before the waker: a streamer thread reads them in that order */
    r->waker = code;
    int err = run_reporting(self);
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (err < 0) {
        PyErr_Fetch(&type, &value, &tb);
    }
    r->step_t0 = prev_t0;
    r->waker = prev;
    int interrupted = (rec_now(r, &t1) < 0) ? rec_fail(r) < 0
                                             : finish_step(r, ref, tid, t0, t1) < 0;
    Py_DECREF(ref);
    Py_DECREF(r);
    return end_run(err, interrupted, type, value, tb);
}

/* WakerHandle._run: a plain callback a traced step scheduled; it wakes on that step's behalf. */
static PyObject *
waker_run(PyObject *self, PyObject *unused)
{
    Recorder *r = recorder_of(self, off_waker_rec);
    PyObject *waker_obj = SLOT(self, off_waker_waker);
    if (r == NULL || waker_obj == NULL || !r->enabled) {
        return PyObject_CallOneArg(g_handle_run, self);
    }
    long waker = long_of(waker_obj);
    double t0, t1;
    Py_INCREF(r);
    if (waker == NO_CODE || rec_now(r, &t0) < 0) {
        int interrupted = rec_fail(r) < 0;
        Py_DECREF(r);
        return interrupted ? NULL : PyObject_CallOneArg(g_handle_run, self);
    }
    long prev = r->waker;
    double prev_t0 = r->step_t0;
    r->step_t0 = t0; /* before the waker: the stack sampler reads them in that order */
    r->waker = waker;
    int err = run_reporting(self);
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (err < 0) {
        PyErr_Fetch(&type, &value, &tb);
    }
    r->waker = prev;
    r->step_t0 = prev_t0;
    int interrupted = 0;
    if (rec_now(r, &t1) < 0) {
        interrupted = rec_fail(r) < 0;
    }
    else if (t1 - t0 >= r->slow) {
        PyObject *a = PyFloat_FromDouble(t0), *b = PyFloat_FromDouble(t1);
        PyObject *callback = SLOT(self, off_callback);
        PyObject *res = (a && b) ? PyObject_CallFunctionObjArgs(r->blocked_cb, a, b,
                                                               callback ? callback : Py_None, NULL)
                                 : NULL;
        Py_XDECREF(a);
        Py_XDECREF(b);
        if (res == NULL) {
            interrupted = rec_fail(r) < 0;
        }
        Py_XDECREF(res);
    }
    Py_DECREF(r);
    return end_run(err, interrupted, type, value, tb);
}

static PyMethodDef step_run_def = {"_run", step_run, METH_NOARGS,
                                   "Run a traced task's step and record it (C)."};
static PyMethodDef waker_run_def = {"_run", waker_run, METH_NOARGS,
                                    "Run a callback with its waker and time it (C)."};

/* ====================================================================================== */
/* Hook: loop.call_soon                                                                    */
/* ====================================================================================== */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    Recorder *rec;
    PyObject *loop;
    PyObject *fallback;     /* the Python hook: every case this one does not take */
    PyObject *orig;         /* the loop's own call_soon */
    PyObject *ready_append; /* loop._ready.append */
    PyObject *step_cls, *waker_cls;
    PyObject *step_type, *wakeup_type;
    char wakeup_name[64];
} Hook;

static PyTypeObject Hook_Type;

/* 1 if the loop is in debug mode or closed (the Python hook handles both), 0, -1 error */
static int
loop_unusual(PyObject *loop)
{
    PyObject *debug = PyObject_GetAttr(loop, s_debug);
    if (debug == NULL) {
        return -1;
    }
    int on = PyObject_IsTrue(debug);
    Py_DECREF(debug);
    if (on != 0) {
        return on;
    }
    PyObject *closed = PyObject_GetAttr(loop, s_closed);
    if (closed == NULL) {
        return -1;
    }
    on = PyObject_IsTrue(closed);
    Py_DECREF(closed);
    return on;
}

static PyObject *
make_handle(PyObject *cls, PyObject *callback, PyObject *const *args, Py_ssize_t n,
            PyObject *loop, PyObject *context)
{
    PyTypeObject *tp = (PyTypeObject *)cls;
    PyObject *ctx = context ? Py_NewRef(context) : PyContext_CopyCurrent();
    PyObject *tuple = ctx ? PyTuple_New(n) : NULL;
    if (tuple == NULL) {
        Py_XDECREF(ctx);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(tuple, i, Py_NewRef(args[i]));
    }
    PyObject *h = tp->tp_alloc(tp, 0);
    if (h == NULL) {
        Py_DECREF(ctx);
        Py_DECREF(tuple);
        return NULL;
    }
    SLOT(h, off_context) = ctx;
    SLOT(h, off_loop) = Py_NewRef(loop);
    SLOT(h, off_callback) = Py_NewRef(callback);
    SLOT(h, off_args) = tuple;
    SLOT(h, off_cancelled) = Py_NewRef(Py_False);
    SLOT(h, off_repr) = Py_NewRef(Py_None);
    SLOT(h, off_source_tb) = Py_NewRef(Py_None);
    return h;
}

static PyObject *
schedule(Hook *hook, PyObject *handle)
{
    PyObject *res = PyObject_CallOneArg(hook->ready_append, handle);
    if (res == NULL) {
        Py_DECREF(handle);
        return NULL;
    }
    Py_DECREF(res);
    return handle;
}

static PyObject *
Hook_vectorcall(Hook *hook, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Recorder *r = hook->rec;
    PyObject *context = NULL;
    if (!r->enabled || nargs < 1) {
        goto fallback;
    }
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        if (PyTuple_GET_SIZE(kwnames) != 1 ||
            PyUnicode_Compare(PyTuple_GET_ITEM(kwnames, 0), s_context) != 0) {
            goto fallback;
        }
        context = args[nargs];
        if (context == Py_None) {
            context = NULL;
        }
    }
    PyObject *callback = args[0];
    PyTypeObject *kind = Py_TYPE(callback);
    PyObject *owner; /* the task: borrowed from the callback, which the caller holds */
    if ((PyObject *)kind == hook->step_type) {
        owner = PyObject_GetAttr(callback, s_self);
        if (owner == NULL) {
            PyErr_Clear();
            goto fallback;
        }
        Py_DECREF(owner); /* the step wrapper holds its task for as long as it lives */
    }
    else if ((PyObject *)kind == hook->wakeup_type && PyCFunction_Check(callback) &&
             strcmp(((PyCFunctionObject *)callback)->m_ml->ml_name, hook->wakeup_name) == 0) {
        owner = PyCFunction_GET_SELF(callback);
    }
    else if (kind == &PyMethod_Type) {
        goto fallback; /* maybe the pure-Python Task's own: the Python hook knows */
    }
    else {
        /* a plain callback */
        long waker = r->waker;
        if (waker == CALLBACK_WAKER) {
            return PyObject_Vectorcall(hook->orig, args, nargsf, kwnames);
        }
        int unusual = loop_unusual(hook->loop);
        if (unusual != 0) {
            if (unusual < 0) {
                PyErr_Clear();
            }
            goto fallback;
        }
        long inherited = (waker & 7) == WAKE_TASK ? ((waker & ~7L) | INHERITED) : waker;
        PyObject *w = PyLong_FromLong(inherited);
        PyObject *handle = w ? make_handle(hook->waker_cls, callback, args + 1, nargs - 1,
                                           hook->loop, context)
                             : NULL;
        if (handle == NULL) {
            Py_XDECREF(w);
            if (rec_fail(r) < 0) { /* (an interrupt: on up, unscheduled) */
                return NULL;
            }
            /* as the Python hook: tracing off, the loop schedules it */
            return PyObject_Vectorcall(hook->orig, args, nargsf, kwnames);
        }
        SLOT(handle, off_waker_waker) = w;
        SLOT(handle, off_waker_rec) = Py_NewRef((PyObject *)r);
        return schedule(hook, handle);
    }
    if (owner == NULL) {
        goto fallback;
    }
    PyObject *key = PyLong_FromVoidPtr(owner);
    if (key == NULL) {
        return NULL;
    }
    PyObject *ref = PyDict_GetItemWithError(r->ids, key); /* borrowed */
    Py_DECREF(key);
    if (ref == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        goto fallback; /* not registered yet (its first step): the Python hook registers */
    }
    Py_INCREF(ref);
    PyObject *target = ref_target(ref);
    Py_XDECREF(target);
    int unusual = target == owner ? loop_unusual(hook->loop) : 1;
    if (unusual != 0) {
        Py_DECREF(ref);
        if (unusual < 0) {
            PyErr_Clear();
        }
        goto fallback;
    }
    if (nargs > 1 && !PyExceptionInstance_Check(args[1])) {
        /* a wakeup: what the task awaited has completed, now */
        long waker = r->waker;
        long tid = long_of(SLOT(ref, off_ref_tid));
        double now;
        int ok = tid != NO_CODE;
        PyObject *res = ok ? PyObject_CallMethodNoArgs(args[1], s_cancelled) : NULL;
        int cancelled = res ? PyObject_IsTrue(res) : -1;
        Py_XDECREF(res);
        int cancelling = 0;
        if (cancelled > 0) {
            /* (a task or gather ends cancelled because its work did: that wakes it) */
            cancelled = PyObject_IsInstance(args[1], g_propagating);
            cancelled = cancelled < 0 ? -1 : !cancelled;
        }
        if (cancelled > 0) {
            res = PyObject_CallMethodNoArgs(owner, s_cancelling);
            cancelling = res ? PyObject_IsTrue(res) : -1;
            Py_XDECREF(res);
        }
        if (cancelled < 0 || cancelling < 0) {
            ok = 0;
        }
        else if (cancelled && cancelling) {
            waker = (waker & ~7L) | WAKE_CANCEL;
        }
        else if ((waker & 7) == INHERITED) {
            waker = (waker & ~7L) | WAKE_TASK;
        }
        if (!ok || rec_now(r, &now) < 0 || rec_wake(r, tid, now, waker) < 0) {
            Py_DECREF(ref);
            if (rec_fail(r) < 0) { /* (an interrupt: on up, unscheduled) */
                return NULL;
            }
            return PyObject_Vectorcall(hook->orig, args, nargsf, kwnames);
        }
    }
    PyObject *handle = make_handle(hook->step_cls, callback, args + 1, nargs - 1, hook->loop,
                                   context);
    if (handle == NULL) {
        Py_DECREF(ref);
        return NULL;
    }
    SLOT(handle, off_step_ref) = ref; /* the reference taken above */
    SLOT(handle, off_step_rec) = Py_NewRef((PyObject *)r);
    return schedule(hook, handle);

fallback:
    return PyObject_Vectorcall(hook->fallback, args, nargsf, kwnames);
}

static PyObject *
Hook_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"recorder",  "loop",      "fallback",    "orig",
                             "ready",     "step_cls",  "waker_cls",   "step_type",
                             "wakeup_type", "wakeup_name", NULL};
    PyObject *rec, *loop, *fallback, *orig, *ready, *step_cls, *waker_cls, *step_type,
        *wakeup_type;
    const char *wakeup_name;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOOOO!O!OOs", kwlist, &Recorder_Type,
                                     &rec, &loop, &fallback, &orig, &ready, &PyType_Type,
                                     &step_cls, &PyType_Type, &waker_cls, &step_type,
                                     &wakeup_type, &wakeup_name)) {
        return NULL;
    }
    if (off_callback < 0 || off_step_ref < 0 || off_ref_tid < 0) {
        PyErr_SetString(PyExc_RuntimeError, "asyncviz._hot: bind_handles() was not called");
        return NULL;
    }
    /* the handles are built by writing slots at the offsets bind_handles() learnt */
    if (same_offset(&off_step_ref, slot_offset(step_cls, "_ref")) < 0 ||
        same_offset(&off_step_rec, slot_offset(step_cls, "_rec")) < 0 ||
        same_offset(&off_callback, slot_offset(step_cls, "_callback")) < 0 ||
        same_offset(&off_waker_waker, slot_offset(waker_cls, "_waker")) < 0 ||
        same_offset(&off_waker_rec, slot_offset(waker_cls, "_rec")) < 0 ||
        same_offset(&off_callback, slot_offset(waker_cls, "_callback")) < 0) {
        return NULL;
    }
    if (strlen(wakeup_name) >= sizeof(((Hook *)NULL)->wakeup_name)) {
        PyErr_SetString(PyExc_ValueError, "wakeup_name too long");
        return NULL;
    }
    Hook *hook = (Hook *)type->tp_alloc(type, 0);
    if (hook == NULL) {
        return NULL;
    }
    hook->vectorcall = (vectorcallfunc)Hook_vectorcall;
    hook->rec = (Recorder *)Py_NewRef(rec);
    hook->loop = Py_NewRef(loop);
    hook->fallback = Py_NewRef(fallback);
    hook->orig = Py_NewRef(orig);
    hook->ready_append = Py_NewRef(ready);
    hook->step_cls = Py_NewRef(step_cls);
    hook->waker_cls = Py_NewRef(waker_cls);
    hook->step_type = Py_NewRef(step_type);
    hook->wakeup_type = Py_NewRef(wakeup_type);
    strcpy(hook->wakeup_name, wakeup_name);
    return (PyObject *)hook;
}

static int
Hook_traverse(Hook *hook, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(hook));
    Py_VISIT(hook->rec);
    Py_VISIT(hook->loop);
    Py_VISIT(hook->fallback);
    Py_VISIT(hook->orig);
    Py_VISIT(hook->ready_append);
    Py_VISIT(hook->step_cls);
    Py_VISIT(hook->waker_cls);
    Py_VISIT(hook->step_type);
    Py_VISIT(hook->wakeup_type);
    return 0;
}

static int
Hook_clear(Hook *hook)
{
    Py_CLEAR(hook->rec);
    Py_CLEAR(hook->loop);
    Py_CLEAR(hook->fallback);
    Py_CLEAR(hook->orig);
    Py_CLEAR(hook->ready_append);
    Py_CLEAR(hook->step_cls);
    Py_CLEAR(hook->waker_cls);
    Py_CLEAR(hook->step_type);
    Py_CLEAR(hook->wakeup_type);
    return 0;
}

static void
Hook_dealloc(Hook *hook)
{
    PyTypeObject *tp = Py_TYPE(hook);
    PyObject_GC_UnTrack(hook);
    Hook_clear(hook);
    tp->tp_free((PyObject *)hook);
}

static PyObject *
Hook_call_guard(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return PyVectorcall_Call(self, args, kwargs);
}

static PyObject *
Hook_repr(Hook *hook)
{
    return PyUnicode_FromFormat("<asyncviz call_soon hook of %R>", hook->loop);
}

static PyTypeObject Hook_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "visualizer.instrument._hot.Hook",
    .tp_basicsize = sizeof(Hook),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "loop.call_soon for asyncio's own loops: a traced task's steps in C.",
    .tp_new = Hook_new,
    .tp_dealloc = (destructor)Hook_dealloc,
    .tp_traverse = (traverseproc)Hook_traverse,
    .tp_clear = (inquiry)Hook_clear,
    .tp_vectorcall_offset = offsetof(Hook, vectorcall),
    .tp_call = Hook_call_guard,
    .tp_repr = (reprfunc)Hook_repr,
};

/* ====================================================================================== */
/* ResourceOp: a queue's operations and a primitive's _get_loop (resources.py)              */
/* ====================================================================================== */

/* resources.py's handles: _Res (a recorded primitive) and _Part (a primitive asyncio made
 * inside one), their slots read at the offsets bind_resources() learnt */
static PyObject *g_res_type, *g_part_type;
static PyObject *g_queue_qsize; /* asyncio.Queue.qsize: len(self._queue) */
static Py_ssize_t off_res_rid = -1, off_res_hot = -1, off_res_rec = -1, off_part_owner = -1,
                  off_part_role = -1;

/* getattr(obj, "_asyncviz_resource", None) as resources._handle reads it (never through
 * obj.__dict__, which CPython would build): a new reference, or NULL (none; no error) */
static PyObject *
res_handle(PyObject *obj)
{
    PyObject *h = NULL;
#if PY_VERSION_HEX >= 0x030D0000
    int found = PyObject_GetOptionalAttr(obj, s_res_attr, &h);
#else
    int found = _PyObject_LookupAttr(obj, s_res_attr, &h);
#endif
    if (found < 0) {
        PyErr_Clear();
    }
    if (h == Py_None) {
        Py_CLEAR(h);
    }
    return h;
}

/* A failure recording a resource of handle `h` (a _Res): the exception goes to its
 * ResourceRecorder's stop() (logged; its resources no longer recorded), never to the
 * program: 0.  An interrupt (not an Exception) is the program's: it stays set, -1. */
static int
res_fail(PyObject *h)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return -1;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyObject *rec = SLOT(h, off_res_rec);
    PyObject *res = (rec != NULL && value != NULL)
                        ? PyObject_CallMethodOneArg(rec, s_stop, value)
                        : NULL;
    if (res == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "asyncviz._hot: a resource with no recorder");
        }
        PyErr_WriteUnraisable(rec != NULL ? rec : h);
    }
    Py_XDECREF(res);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return 0;
}

/* The recorder of `h`, if h is a _Res whose changes are recorded now (a C recorder on
 * its thread, or any other recorder: its resource_change decides); else NULL. */
static PyObject *
res_recording(PyObject *h)
{
    if (!Py_IS_TYPE(h, (PyTypeObject *)g_res_type)) {
        return NULL;
    }
    PyObject *hot = SLOT(h, off_res_hot);
    if (hot == NULL || (Py_IS_TYPE(hot, &Recorder_Type) && !res_live((Recorder *)hot))) {
        return NULL;
    }
    return hot;
}

/* Write a change row of `h` (a _Res) to `hot` (res_recording's); 0, or -1 error. */
static int
res_write(PyObject *h, PyObject *hot, int op, PyObject *value, PyObject *detail)
{
    PyObject *rid = SLOT(h, off_res_rid);
    if (rid == NULL) {
        PyErr_SetString(PyExc_AttributeError, "asyncviz._hot: a resource with no id");
        return -1;
    }
    if (!Py_IS_TYPE(hot, &Recorder_Type)) {
        /* (another recorder: the pure-Python one is the reference) */
        PyObject *op_obj = PyLong_FromLong(op);
        PyObject *call[5] = {hot, rid, op_obj, value, detail};
        PyObject *res = op_obj ? PyObject_VectorcallMethod(s_resource_change, call, 5, NULL)
                               : NULL;
        Py_XDECREF(op_obj);
        Py_XDECREF(res);
        return res == NULL ? -1 : 0;
    }
    long long v, d;
    long id = PyLong_AsLong(rid);
    if ((id == -1 && PyErr_Occurred()) || res_numbers(value, detail, &v, &d) < 0) {
        return -1;
    }
    return rec_change((Recorder *)hot, id, op, v, d);
}

/* obj.qsize(); asyncio's own (every queue's but a subclass's that has its own) read here:
 * len(obj._queue), what it returns, without a Python call */
static PyObject *
queue_size(PyObject *obj)
{
    if (g_queue_qsize == NULL || _PyType_Lookup(Py_TYPE(obj), s_qsize) != g_queue_qsize) {
        return PyObject_CallMethodNoArgs(obj, s_qsize);
    }
    PyObject *items = PyObject_GetAttr(obj, s_queue);
    Py_ssize_t n = items != NULL ? PyObject_Size(items) : -1;
    Py_XDECREF(items);
    return n < 0 ? NULL : PyLong_FromSsize_t(n);
}

/* After a queue operation returned: its change (size after, unfinished tasks after). */
static int
res_queue_change(PyObject *obj, int op)
{
    PyObject *h = res_handle(obj);
    if (h == NULL) {
        return 0;
    }
    int err = 0;
    PyObject *hot = res_recording(h);
    if (hot != NULL) {
        Py_INCREF(hot);
        PyObject *size = queue_size(obj);
        PyObject *unfinished = size ? PyObject_GetAttr(obj, s_unfinished) : NULL;
        if (unfinished == NULL || res_write(h, hot, op, size, unfinished) < 0) {
            err = res_fail(h);
        }
        Py_XDECREF(size);
        Py_XDECREF(unfinished);
        Py_DECREF(hot);
    }
    Py_DECREF(h);
    return err;
}

/* 1 if the Python code calling us now is a function named "put" (Queue.put) */
static int
caller_is_put(void)
{
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    if (frame == NULL) {
        return 0;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    int put = PyUnicode_Check(code->co_name) &&
              PyUnicode_CompareWithASCIIString(code->co_name, "put") == 0;
    Py_DECREF(code);
    return put;
}

/* Before _get_loop(): a task is about to wait on the primitive (or on its owner). */
static int
res_wait(PyObject *obj)
{
    PyObject *h = res_handle(obj);
    if (h == NULL) {
        return 0;
    }
    PyObject *owner = h;
    PyObject *role = NULL;
    if (Py_IS_TYPE(h, (PyTypeObject *)g_part_type)) {
        owner = SLOT(h, off_part_owner);
        role = SLOT(h, off_part_role);
        if (owner == NULL || role == NULL) {
            Py_DECREF(h);
            return 0;
        }
    }
    Py_INCREF(owner);
    Py_DECREF(h);
    int err = 0;
    PyObject *hot = res_recording(owner);
    if (hot != NULL) {
        Py_INCREF(hot);
        PyObject *zero = PyLong_FromLong(0);
        PyObject *what = role != NULL ? Py_NewRef(role)
                                      : PyLong_FromLong(caller_is_put() ? RES_WAIT_PUT
                                                                        : RES_WAIT_GET);
        if (zero == NULL || what == NULL || res_write(owner, hot, RES_WAIT, zero, what) < 0) {
            err = res_fail(owner);
        }
        Py_XDECREF(zero);
        Py_XDECREF(what);
        Py_DECREF(hot);
    }
    Py_DECREF(owner);
    return err;
}

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *original; /* asyncio's own method */
    int op;             /* the change a queue operation makes, or RES_GET_LOOP */
} ResourceOp;

static PyTypeObject ResourceOp_Type;

static PyObject *
ResourceOp_vectorcall(ResourceOp *self, PyObject *const *args, size_t nargsf,
                      PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (self->op == RES_GET_LOOP) {
        if (nargs >= 1 && res_wait(args[0]) < 0) {
            return NULL; /* an interrupt */
        }
        return PyObject_Vectorcall(self->original, args, nargsf, kwnames);
    }
    PyObject *result = PyObject_Vectorcall(self->original, args, nargsf, kwnames);
    if (result != NULL && nargs >= 1 && res_queue_change(args[0], self->op) < 0) {
        Py_DECREF(result);
        return NULL; /* an interrupt */
    }
    return result;
}

static PyObject *
ResourceOp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *original;
    int op;
    if (!PyArg_ParseTuple(args, "Oi:ResourceOp", &original, &op)) {
        return NULL;
    }
    if (g_res_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "asyncviz._hot: bind_resources() was not called");
        return NULL;
    }
    if (!PyCallable_Check(original)) {
        PyErr_SetString(PyExc_TypeError, "ResourceOp: the original must be callable");
        return NULL;
    }
    ResourceOp *self = (ResourceOp *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->vectorcall = (vectorcallfunc)ResourceOp_vectorcall;
    self->original = Py_NewRef(original);
    self->op = op;
    return (PyObject *)self;
}

/* a method, as the function it stands for: bound on an instance, itself on the class */
static PyObject *
ResourceOp_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static int
ResourceOp_traverse(ResourceOp *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->original);
    return 0;
}

static int
ResourceOp_clear(ResourceOp *self)
{
    Py_CLEAR(self->original);
    return 0;
}

static void
ResourceOp_dealloc(ResourceOp *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    ResourceOp_clear(self);
    tp->tp_free((PyObject *)self);
}

static PyObject *
ResourceOp_repr(ResourceOp *self)
{
    return PyUnicode_FromFormat("<asyncviz resource recorder around %R>", self->original);
}

static PyObject *
ResourceOp_getattro(PyObject *self, PyObject *name)
{
    /* __name__, __qualname__, __doc__, __module__ ... of the original's */
    PyObject *found = PyObject_GenericGetAttr(self, name);
    if (found != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return found;
    }
    PyErr_Clear();
    return PyObject_GetAttr(((ResourceOp *)self)->original, name);
}

static PyMemberDef ResourceOp_members[] = {
    {"__wrapped__", Py_T_OBJECT_EX, offsetof(ResourceOp, original), READONLY,
     "asyncio's own method"},
    {NULL}};

static PyTypeObject ResourceOp_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "visualizer.instrument._hot.ResourceOp",
    .tp_basicsize = sizeof(ResourceOp),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "ResourceOp(original, op): a queue operation recording its change (op), or "
              "_get_loop recording a wait (op -1), while resources are recorded.",
    .tp_new = ResourceOp_new,
    .tp_dealloc = (destructor)ResourceOp_dealloc,
    .tp_traverse = (traverseproc)ResourceOp_traverse,
    .tp_clear = (inquiry)ResourceOp_clear,
    .tp_vectorcall_offset = offsetof(ResourceOp, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = ResourceOp_get,
    .tp_getattro = ResourceOp_getattro,
    .tp_members = ResourceOp_members,
    .tp_repr = (reprfunc)ResourceOp_repr,
};

/* StateAttr(name, after): a primitive's state attribute while recording
 * (resources._state_property): kept in the instance's __dict__ under its own name, and
 * after it is stored, after(obj, handle, value) if the instance has a handle that is not
 * a part whose changes are nobody's (a Queue's _finished Event: every put clears it). */
typedef struct {
    PyObject_HEAD
    PyObject *name;
    PyObject *after;
} StateAttr;

static PyTypeObject StateAttr_Type;
static Py_ssize_t off_part_changes = -1;

static PyObject *
StateAttr_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *name, *after;
    if (!PyArg_ParseTuple(args, "UO:StateAttr", &name, &after)) {
        return NULL;
    }
    if (g_part_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "asyncviz._hot: bind_resources() was not called");
        return NULL;
    }
    StateAttr *self = (StateAttr *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->name = Py_NewRef(name);
    self->after = Py_NewRef(after);
    return (PyObject *)self;
}

static PyObject *
StateAttr_get(StateAttr *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef((PyObject *)self);
    }
    PyObject *dict = PyObject_GenericGetDict(obj, NULL);
    if (dict == NULL) {
        return NULL;
    }
    PyObject *value = PyDict_GetItemWithError(dict, self->name);
    Py_XINCREF(value);
    Py_DECREF(dict);
    if (value == NULL && !PyErr_Occurred()) {
        PyErr_SetObject(PyExc_AttributeError, self->name);
    }
    return value;
}

static int
StateAttr_set(StateAttr *self, PyObject *obj, PyObject *value)
{
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError, "property %R of '%s' object has no deleter",
                     self->name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyObject *dict = PyObject_GenericGetDict(obj, NULL);
    if (dict == NULL) {
        return -1;
    }
    if (PyDict_SetItem(dict, self->name, value) < 0) {
        Py_DECREF(dict);
        return -1;
    }
    PyObject *h = PyDict_GetItemWithError(dict, s_res_attr);
    Py_XINCREF(h);
    Py_DECREF(dict);
    if (h == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    if (Py_IS_TYPE(h, (PyTypeObject *)g_part_type)) {
        PyObject *changes = SLOT(h, off_part_changes);
        int on = changes != NULL ? PyObject_IsTrue(changes) : 0;
        if (on <= 0) {
            Py_DECREF(h);
            return on;
        }
    }
    PyObject *res = PyObject_CallFunctionObjArgs(self->after, obj, h, value, NULL);
    Py_DECREF(h);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

static int
StateAttr_traverse(StateAttr *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->name);
    Py_VISIT(self->after);
    return 0;
}

static int
StateAttr_clear(StateAttr *self)
{
    Py_CLEAR(self->name);
    Py_CLEAR(self->after);
    return 0;
}

static void
StateAttr_dealloc(StateAttr *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    StateAttr_clear(self);
    tp->tp_free((PyObject *)self);
}

static PyObject *
StateAttr_repr(StateAttr *self)
{
    return PyUnicode_FromFormat("<asyncviz state attribute %R>", self->name);
}

static PyTypeObject StateAttr_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "visualizer.instrument._hot.StateAttr",
    .tp_basicsize = sizeof(StateAttr),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "StateAttr(name, after): a primitive's state attribute while resources are "
              "recorded; after(obj, handle, value) once a change is stored.",
    .tp_new = StateAttr_new,
    .tp_dealloc = (destructor)StateAttr_dealloc,
    .tp_traverse = (traverseproc)StateAttr_traverse,
    .tp_clear = (inquiry)StateAttr_clear,
    .tp_descr_get = (descrgetfunc)StateAttr_get,
    .tp_descr_set = (descrsetfunc)StateAttr_set,
    .tp_repr = (reprfunc)StateAttr_repr,
};

/* bind_resources(_Res, _Part, qsize): learn the handles' slots (resources.py); qsize is
 * asyncio.Queue.qsize if it returns len(self._queue) (else None: always called). */
static PyObject *
bind_resources(PyObject *module, PyObject *args)
{
    PyObject *res_cls, *part_cls, *qsize;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyType_Type, &res_cls, &PyType_Type, &part_cls,
                          &qsize)) {
        return NULL;
    }
    Py_ssize_t rid = slot_offset(res_cls, "rid"), hot = slot_offset(res_cls, "hot"),
               rec = slot_offset(res_cls, "rec"), owner = slot_offset(part_cls, "owner"),
               role = slot_offset(part_cls, "role"), changes = slot_offset(part_cls, "changes");
    if (rid < 0 || hot < 0 || rec < 0 || owner < 0 || role < 0 || changes < 0) {
        return NULL;
    }
    off_part_changes = changes;
    off_res_rid = rid;
    off_res_hot = hot;
    off_res_rec = rec;
    off_part_owner = owner;
    off_part_role = role;
    Py_XSETREF(g_res_type, Py_NewRef(res_cls));
    Py_XSETREF(g_part_type, Py_NewRef(part_cls));
    if (qsize == Py_None) {
        Py_CLEAR(g_queue_qsize);
    }
    else {
        Py_XSETREF(g_queue_qsize, Py_NewRef(qsize));
    }
    Py_RETURN_NONE;
}

/* ====================================================================================== */
/* module                                                                                  */
/* ====================================================================================== */

/* bind_handles(handle, step_cls, waker_cls, task_ref, report, asend_type, athrow_type):
 * learn the slot layout, remember asyncio's Handle._run and the reporter, and return the
 * two C `_run` method descriptors to put on step_cls and waker_cls. */
static PyObject *
bind_handles(PyObject *module, PyObject *args)
{
    PyObject *handle, *step_cls, *waker_cls, *task_ref, *report, *asend, *athrow, *propagating;
    if (!PyArg_ParseTuple(args, "O!O!O!O!OOOO!", &PyType_Type, &handle, &PyType_Type,
                          &step_cls, &PyType_Type, &waker_cls, &PyType_Type, &task_ref,
                          &report, &asend, &athrow, &PyTuple_Type, &propagating)) {
        return NULL;
    }
    if (!PyType_IsSubtype((PyTypeObject *)step_cls, (PyTypeObject *)handle) ||
        !PyType_IsSubtype((PyTypeObject *)waker_cls, (PyTypeObject *)handle)) {
        PyErr_SetString(PyExc_TypeError, "the Handle classes must subclass asyncio.Handle");
        return NULL;
    }
    if (same_offset(&off_callback, slot_offset(handle, "_callback")) < 0 ||
        same_offset(&off_args, slot_offset(handle, "_args")) < 0 ||
        same_offset(&off_cancelled, slot_offset(handle, "_cancelled")) < 0 ||
        same_offset(&off_loop, slot_offset(handle, "_loop")) < 0 ||
        same_offset(&off_source_tb, slot_offset(handle, "_source_traceback")) < 0 ||
        same_offset(&off_repr, slot_offset(handle, "_repr")) < 0 ||
        same_offset(&off_context, slot_offset(handle, "_context")) < 0 ||
        same_offset(&off_step_ref, slot_offset(step_cls, "_ref")) < 0 ||
        same_offset(&off_step_rec, slot_offset(step_cls, "_rec")) < 0 ||
        same_offset(&off_waker_waker, slot_offset(waker_cls, "_waker")) < 0 ||
        same_offset(&off_waker_rec, slot_offset(waker_cls, "_rec")) < 0 ||
        same_offset(&off_ref_tid, slot_offset(task_ref, "tid")) < 0 ||
        same_offset(&off_ref_code, slot_offset(task_ref, "code")) < 0 ||
        same_offset(&off_ref_key, slot_offset(task_ref, "key")) < 0) {
        return NULL;
    }
    PyObject *run = PyObject_GetAttrString(handle, "_run");
    if (run == NULL) {
        return NULL;
    }
    Py_XSETREF(g_handle_run, run);
    Py_XSETREF(g_report, Py_NewRef(report));
    Py_XSETREF(g_asend_type, Py_NewRef(asend));
    Py_XSETREF(g_athrow_type, Py_NewRef(athrow));
    Py_XSETREF(g_propagating, Py_NewRef(propagating));
    PyObject *step = PyDescr_NewMethod((PyTypeObject *)step_cls, &step_run_def);
    PyObject *waker = step ? PyDescr_NewMethod((PyTypeObject *)waker_cls, &waker_run_def) : NULL;
    if (waker == NULL) {
        Py_XDECREF(step);
        return NULL;
    }
    return Py_BuildValue("(NN)", step, waker);
}

static PyMethodDef module_methods[] = {
    {"bind_handles", bind_handles, METH_VARARGS,
     "bind_handles(Handle, StepHandle, WakerHandle, _TaskRef, report, asend_type, "
     "athrow_type) -> (step_run, waker_run)"},
    {"bind_resources", bind_resources, METH_VARARGS,
     "bind_resources(_Res, _Part, qsize): the slots of resources.py's handles, and "
     "asyncio.Queue.qsize if it is len(self._queue), else None"},
    {NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "visualizer.instrument._hot",
    .m_doc = "The tracer's hot path in C (optional; tracer.py is the reference).",
    .m_size = -1,
    .m_methods = module_methods,
};

#define INTERN(var, text)                                                                   \
    if ((var = PyUnicode_InternFromString(text)) == NULL) {                                 \
        return NULL;                                                                        \
    }

PyMODINIT_FUNC
PyInit__hot(void)
{
    INTERN(s_fut_waiter, "_fut_waiter");
    INTERN(s_done, "done");
    INTERN(s_cancelled, "cancelled");
    INTERN(s_cancelling, "cancelling");
    INTERN(s_exception, "_exception");
    INTERN(s_get_name, "get_name");
    INTERN(s_get_coro, "get_coro");
    INTERN(s_cr_frame, "cr_frame");
    INTERN(s_cr_await, "cr_await");
    INTERN(s_gi_frame, "gi_frame");
    INTERN(s_gi_yieldfrom, "gi_yieldfrom");
    INTERN(s_frombytes, "frombytes");
    INTERN(s_debug, "_debug");
    INTERN(s_closed, "_closed");
    INTERN(s_self, "__self__");
    INTERN(s_context, "context");
    INTERN(s_run, "run");
    INTERN(s_res_attr, "_asyncviz_resource");
    INTERN(s_qsize, "qsize");
    INTERN(s_queue, "_queue");
    INTERN(s_unfinished, "_unfinished_tasks");
    INTERN(s_stop, "stop");
    INTERN(s_resource_change, "resource_change");
    if (PyType_Ready(&Recorder_Type) < 0 || PyType_Ready(&Hook_Type) < 0 ||
        PyType_Ready(&ResourceOp_Type) < 0 || PyType_Ready(&StateAttr_Type) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Recorder", (PyObject *)&Recorder_Type) < 0 ||
        PyModule_AddObjectRef(m, "Hook", (PyObject *)&Hook_Type) < 0 ||
        PyModule_AddObjectRef(m, "ResourceOp", (PyObject *)&ResourceOp_Type) < 0 ||
        PyModule_AddObjectRef(m, "StateAttr", (PyObject *)&StateAttr_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
