package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's job engine. Every fact about a job lives in PostgreSQL, so several engines on one
 * database (in one JVM or on many servers) behave as one:
 *
 * <ul>
 *   <li>a fetcher claims runnable jobs in batches ({@code FOR UPDATE SKIP LOCKED}), woken by
 *       {@code LISTEN atelier_jobs} and polling when no notification comes;
 *   <li>each claim is a lease: owner, attempt number and expiry; heartbeats renew it while the
 *       worker lives, and any engine rescues a job whose lease expired;
 *   <li>every transition is fenced on (id, attempt, owner, running), so a worker that lost its
 *       lease can neither complete nor fail the attempt that replaced it, nor commit its effects;
 *   <li>outcomes are committed in batches, each with the app row's status words, the handler's
 *       effects and the dependents it releases, in one transaction.
 * </ul>
 *
 * Time comes from the injected {@link Clock} (servers on one database need synchronised clocks,
 * as for any lease), so tests move it instead of sleeping.
 */
public final class JobEngine implements AutoCloseable {

    /** Opens a connection that may LISTEN (not from the request pool: it is held for good). */
    @FunctionalInterface
    public interface Listener {
        Connection open() throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);
    private static final int DEFAULT_ATTEMPTS = 5;
    private static final Duration SKIP_GRACE = Duration.ofMinutes(1);
    private static final Duration PLATFORM_RETENTION = Duration.ofDays(7);

    private final Database database;
    private final Clock clock;
    private final JobEngineOptions options;
    private final @Nullable Listener listener;
    private final String owner;

    private final Map<String, JobType> types = new ConcurrentHashMap<>();
    private final Map<String, AppTable> tables = new ConcurrentHashMap<>();
    private final Map<String, Periodic> schedules = new ConcurrentHashMap<>();
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final Semaphore slots;
    private final Semaphore wakeup = new Semaphore(0);
    private final AtomicLong completedCount = new AtomicLong();
    private final AtomicLong failedCount = new AtomicLong();

    private @Nullable ExecutorService workers;
    private @Nullable ScheduledExecutorService timers;
    private final List<Thread> loops = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean stopping;
    private volatile @Nullable Connection listening;

    public JobEngine(Database database, Clock clock, JobEngineOptions options, @Nullable Listener listener) {
        this.database = database;
        this.clock = clock;
        this.options = options;
        this.listener = listener;
        this.owner = "atelier-" + UUID.randomUUID().toString().substring(0, 8);
        this.slots = new Semaphore(options.workers());
        AppTables.ALL.forEach(this::bind);
        register(JobType.of("noop", job -> {}));
        schedule(
                "platform.jobs.retention",
                Schedule.cron("17 3 * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> deleteFinishedPlatformJobs(tx.connection())));
    }

    /** This engine's name in leases (platform.jobs.lease_owner, rotation.jobs.assigned_to). */
    public String owner() {
        return owner;
    }

    // ------------------------------------------------------------------------------------------
    // Registration
    // ------------------------------------------------------------------------------------------

    /** Lets this engine run jobs of a type. Every server should register the same types. */
    public void register(JobType type) {
        types.put(type.kind(), type);
        wake();
    }

    /** Declares an app table the engine drives (the four of the documents are declared already). */
    public void bind(AppTable table) {
        tables.put(table.table(), table);
    }

    /**
     * Runs {@code handler} once per period of {@code schedule} across every server on the database.
     * Each period becomes a job (kind {@code schedule:<name>}, arguments {@code {"period": "<instant>"}})
     * enqueued by whichever server ticks first, with retries like any job.
     */
    public void schedule(String name, Schedule schedule, CatchUp catchUp, JobHandler handler) {
        schedule(name, schedule, catchUp, JobType.of("schedule:" + name, handler));
    }

    /** As {@link #schedule(String, Schedule, CatchUp, JobHandler)}, with the job type's options (attempts, timeout). */
    public void schedule(String name, Schedule schedule, CatchUp catchUp, JobType type) {
        if (!type.kind().equals("schedule:" + name)) {
            throw new IllegalArgumentException("a periodic job's kind is schedule:" + name);
        }
        register(type);
        Periodic periodic = new Periodic(name, schedule, catchUp);
        schedules.put(name, periodic);
        if (started) {
            try {
                database.transaction(Caller.serviceRole(), tx -> {
                    declare(tx.connection(), List.of(periodic));
                    return Boolean.TRUE;
                });
            } catch (SQLException e) {
                log.warn("could not declare schedule {}: {}", name, e.getMessage());
            }
        }
    }

    /** A short form for the lead's periodic tasks: {@code schedule("ledger.expire-holds", Schedule.every(...), () -> ...)}. */
    public void schedule(String name, Schedule schedule, Runnable task) {
        schedule(name, schedule, CatchUp.LATEST, job -> task.run());
    }

    private record Periodic(String name, Schedule schedule, CatchUp catchUp) {}

    // ------------------------------------------------------------------------------------------
    // Enqueue (in the caller's transaction, which must run as service_role)
    // ------------------------------------------------------------------------------------------

    /**
     * Enqueues a platform job in the caller's transaction: if it rolls back, the job never existed.
     * With an idempotency key, a second enqueue returns the first job's id.
     */
    public static long enqueue(Database.Transaction tx, NewJob job) throws SQLException {
        return JobStore.insert(tx.connection(), job, Instant.now());
    }

    /**
     * Enqueues {@code count} jobs of one kind with empty arguments in one statement, in the
     * caller's transaction (bulk work and benchmarks). Returns how many.
     */
    public static int enqueueMany(Database.Transaction tx, String kind, String queue, int count) throws SQLException {
        try (PreparedStatement insert = tx.connection()
                .prepareStatement(
                        "insert into platform.jobs (queue, kind) " + "select ?, ? from generate_series(1, ?)")) {
            insert.setString(1, queue);
            insert.setString(2, kind);
            insert.setInt(3, count);
            int inserted = insert.executeUpdate();
            JobStore.notify(tx.connection(), "atelier_jobs", queue);
            return inserted;
        }
    }

    /** As {@link #enqueue(Database.Transaction, NewJob)}, timed by this engine's clock. */
    public long enqueueAt(Database.Transaction tx, NewJob job) throws SQLException {
        return JobStore.insert(tx.connection(), job, clock.instant());
    }

    /** Enqueues in a transaction of its own. */
    public long enqueue(NewJob job) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> enqueueAt(tx, job));
    }

    /** Makes one job wait for another; refuses a dependency that would close a cycle. */
    public void addDependency(long job, long dependsOn) throws SQLException {
        database.transaction(Caller.serviceRole(), tx -> {
            JobStore.addDependency(tx.connection(), job, dependsOn);
            return Boolean.TRUE;
        });
    }

    // ------------------------------------------------------------------------------------------
    // Lifecycle
    // ------------------------------------------------------------------------------------------

    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory workerThreads = r -> daemon(r, "jobs-worker-" + n.incrementAndGet());
        workers = Executors.newFixedThreadPool(options.workers(), workerThreads);
        timers = Executors.newScheduledThreadPool(1, r -> daemon(r, "jobs-timers"));
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                declare(tx.connection(), schedules.values());
                return Boolean.TRUE;
            });
        } catch (SQLException e) {
            log.warn("could not declare the periodic jobs yet: {}", e.getMessage());
        }
        loops.add(loop("jobs-fetcher", this::fetchLoop));
        loops.add(loop("jobs-completer", this::completeLoop));
        loops.add(loop("jobs-heartbeat", this::heartbeatLoop));
        loops.add(loop("jobs-maintenance", this::maintenanceLoop));
        if (listener != null) {
            loops.add(loop("jobs-listener", this::listenLoop));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private Thread loop(String name, Runnable body) {
        Thread t = daemon(body, name);
        t.start();
        return t;
    }

    /**
     * Stops claiming, lets running jobs finish within the grace period, interrupts the rest and
     * hands their leases back so another server takes them at once.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (!started || stopping) {
                return;
            }
            stopping = true;
        }
        wake();
        ExecutorService pool = Objects.requireNonNull(workers);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(options.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                running.values().forEach(r -> r.stop("lost"));
                pool.shutdownNow();
                pool.awaitTermination(2, TimeUnit.SECONDS);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!outcomes.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(10); // the completer drains what the workers left; it is not time being waited for
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loops.forEach(Thread::interrupt);
        Connection l = listening;
        if (l != null) {
            try {
                l.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        for (Thread t : loops) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Objects.requireNonNull(timers).shutdownNow();
        handBack();
    }

    /** Leases of jobs still held after stopping go back to available, attempt not counted as failed. */
    private void handBack() {
        if (running.isEmpty()) {
            return;
        }
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement back = tx.connection()
                        .prepareStatement(
                                "update platform.jobs set state = 'available', "
                                        + "attempt = attempt - 1, lease_owner = null, lease_expires_at = null where lease_owner = ? and state = 'running'")) {
                    back.setString(1, owner);
                    back.executeUpdate();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException e) {
            log.warn("could not hand back {} leases; they will be rescued when they expire", running.size());
        }
        running.clear();
    }

    // ------------------------------------------------------------------------------------------
    // Fetching
    // ------------------------------------------------------------------------------------------

    void wake() {
        if (wakeup.availablePermits() == 0) {
            wakeup.release();
        }
    }

    /**
     * Claims in batches: with jobs running, it waits until at least half a batch of workers is
     * free. Claiming one job per freed worker would scan the head of the queue's index (full of
     * entries of jobs just claimed) once per job instead of once per batch.
     */
    private void fetchLoop() {
        int threshold = Math.max(1, Math.min(options.batch(), options.workers()) / 2);
        while (!stopping) {
            try {
                if (slots.availablePermits() < threshold && !running.isEmpty()) {
                    wakeup.tryAcquire(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                int claimed = fetchOnce();
                if (claimed == 0 || slots.availablePermits() == 0) {
                    wakeup.tryAcquire(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wakeup.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.warn("claiming jobs failed: {}", e.getMessage());
                try {
                    wakeup.tryAcquire(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Claims what free workers can take and starts it; returns how many jobs were claimed. */
    int fetchOnce() throws SQLException {
        int free = slots.availablePermits();
        int want = Math.min(free, options.batch());
        if (want == 0 || stopping || !slots.tryAcquire(want)) {
            return 0;
        }
        List<JobRef> claimed = new ArrayList<>();
        try {
            List<String> open = new ArrayList<>();
            List<JobType> limited = new ArrayList<>();
            for (JobType type : types.values()) {
                if (type.globalLimit() == null) {
                    open.add(type.kind());
                } else {
                    limited.add(type);
                }
            }
            Map<Long, Integer> timeouts = new LinkedHashMap<>();
            if (!open.isEmpty()) {
                database.transaction(Caller.serviceRole(), tx -> {
                    Instant now = clock.instant();
                    List<JobRef> got =
                            JobStore.claim(tx.connection(), owner, now, now.plus(options.lease()), open, want);
                    timeouts.putAll(startAppRows(tx.connection(), got, now));
                    claimed.addAll(got);
                    return Boolean.TRUE;
                });
            }
            for (JobType type : limited) {
                int room = want - claimed.size();
                if (room <= 0) {
                    break;
                }
                database.transaction(Caller.serviceRole(), tx -> {
                    Connection c = tx.connection();
                    JobStore.lockKind(c, type.kind());
                    int allowed = Math.min(
                            room, Objects.requireNonNull(type.globalLimit()) - JobStore.running(c, type.kind()));
                    Instant now = clock.instant();
                    List<JobRef> got =
                            JobStore.claim(c, owner, now, now.plus(options.lease()), List.of(type.kind()), allowed);
                    timeouts.putAll(startAppRows(c, got, now));
                    claimed.addAll(got);
                    return Boolean.TRUE;
                });
            }
            for (JobRef job : claimed) {
                start(job, timeouts.get(job.id()));
            }
            return claimed.size();
        } finally {
            slots.release(want - claimed.size());
        }
    }

    /** Shows the claimed app rows as running; returns per job id the row's own timeout in seconds. */
    private Map<Long, Integer> startAppRows(Connection c, List<JobRef> claimed, Instant now) throws SQLException {
        Map<String, List<JobRef>> byTable = new LinkedHashMap<>();
        for (JobRef job : claimed) {
            if (job.appTable() != null) {
                byTable.computeIfAbsent(job.appTable(), t -> new ArrayList<>()).add(job);
            }
        }
        Map<Long, Integer> timeouts = new LinkedHashMap<>();
        for (Map.Entry<String, List<JobRef>> e : byTable.entrySet()) {
            AppTable table = tables.get(e.getKey());
            if (table == null) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            List<Integer> attempts = new ArrayList<>();
            Map<String, Long> ids = new LinkedHashMap<>();
            for (JobRef job : e.getValue()) {
                String key = Objects.requireNonNull(job.appKey());
                keys.add(key);
                attempts.add(job.attempt());
                ids.put(key, job.id());
            }
            AppRows.started(c, table, keys, attempts, owner, now).forEach((key, seconds) -> {
                Long id = ids.get(key);
                if (id != null) {
                    timeouts.put(id, seconds);
                }
            });
        }
        return timeouts;
    }

    private void start(JobRef job, @Nullable Integer rowTimeoutSeconds) {
        JobType type = Objects.requireNonNull(types.get(job.kind()));
        AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
        Running r = new Running(job, type, table);
        running.put(job.id(), r);
        Duration timeout = rowTimeoutSeconds != null ? Duration.ofSeconds(rowTimeoutSeconds) : type.timeout();
        if (timeout != null) {
            r.timeout = Objects.requireNonNull(timers)
                    .schedule(() -> r.stop("timeout"), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            Objects.requireNonNull(workers).execute(() -> work(r));
        } catch (RejectedExecutionException e) {
            running.remove(job.id()); // stopping: the lease is handed back
            slots.release();
        }
    }

    private void work(Running r) {
        r.started(Thread.currentThread());
        String result;
        String error = null;
        try {
            r.type.handler().run(new Context(r));
            result = "completed";
        } catch (RetryLater e) {
            result = "error";
            error = describe(e);
            r.retryAfter = e.after();
        } catch (java.util.concurrent.TimeoutException e) { // the handler's own deadline (a provider's timeout)
            result = "timeout";
            error = describe(e);
        } catch (GiveUpNow e) {
            result = "error";
            error = describe(e);
            r.giveUpNow = true;
        } catch (Throwable e) { // a handler's failure of any kind fails the attempt, never the worker
            result = "error";
            error = describe(e);
        } finally {
            r.ended();
        }
        String stop = r.stop;
        if (stop != null) {
            result = stop;
            error = stop.equals("timeout")
                    ? "timed out after its limit"
                    : stop.equals("cancelled") ? "cancelled" : error;
        }
        if ("lost".equals(result)) {
            finishLocally(r);
            return;
        }
        outcomes.add(new Outcome(r, result, error));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        String text = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.length() > 2000 ? text.substring(0, 2000) : text;
    }

    private void finishLocally(Running r) {
        if (running.remove(r.job.id(), r)) {
            slots.release();
            wake();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Completing
    // ------------------------------------------------------------------------------------------

    private void completeLoop() {
        List<Outcome> batch = new ArrayList<>();
        while (true) {
            try {
                Outcome first = outcomes.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (stopping && outcomes.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                outcomes.drainTo(batch, 499);
                commit(batch);
            } catch (InterruptedException e) {
                if (!outcomes.isEmpty()) {
                    outcomes.drainTo(batch);
                    commit(batch);
                }
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** Commits a batch of outcomes; if the batch fails as a whole, each alone, so one bad effect spoils only itself. */
    private void commit(List<Outcome> batch) {
        try {
            commitTogether(batch);
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                log.warn(
                        "could not record job {}'s outcome ({}); it will be rescued when its lease expires",
                        batch.get(0).running().job.id(),
                        e.getMessage());
            } else {
                for (Outcome one : batch) {
                    commit(List.of(one));
                }
                return;
            }
        }
        for (Outcome o : batch) {
            finishLocally(o.running());
        }
    }

    private void commitTogether(List<Outcome> batch) throws SQLException {
        // Plain completions (no effects) are fenced and completed by one statement; the rest
        // (effects, failures) are locked first, then decided one by one.
        List<Outcome> plain = new ArrayList<>();
        List<Outcome> rest = new ArrayList<>();
        for (Outcome o : batch) {
            (o.result().equals("completed") && o.running().effects.isEmpty() ? plain : rest).add(o);
        }
        long[] ids = rest.stream().mapToLong(o -> o.running().job.id()).toArray();
        int[] attempts = rest.stream().mapToInt(o -> o.running().job.attempt()).toArray();
        long[] plainIds = plain.stream().mapToLong(o -> o.running().job.id()).toArray();
        int[] plainAttempts =
                plain.stream().mapToInt(o -> o.running().job.attempt()).toArray();
        List<String> wakeQueues = new ArrayList<>();
        database.transaction(Caller.serviceRole(), tx -> {
            Connection c = tx.connection();
            Instant now = clock.instant();
            if (plainIds.length > 0) {
                List<JobStore.Completed> done = JobStore.completeHeld(c, owner, plainIds, plainAttempts, now);
                Map<String, List<String>> rows = new LinkedHashMap<>();
                List<Long> withDependents = new ArrayList<>();
                for (JobStore.Completed d : done) {
                    if (d.appTable() != null) {
                        rows.computeIfAbsent(d.appTable(), t -> new ArrayList<>())
                                .add(Objects.requireNonNull(d.appKey()));
                    }
                    if (d.hasDependents()) {
                        withDependents.add(d.id());
                    }
                }
                for (Map.Entry<String, List<String>> e : rows.entrySet()) {
                    AppTable table = tables.get(e.getKey());
                    if (table != null) {
                        AppRows.completed(c, table, e.getValue(), now);
                    }
                }
                if (!withDependents.isEmpty()) {
                    wakeQueues.addAll(JobStore.release(
                            c,
                            withDependents.stream().mapToLong(Long::longValue).toArray(),
                            now));
                }
                completedCount.addAndGet(done.size());
            }
            if (ids.length == 0) {
                for (String queue : new HashSet<>(wakeQueues)) {
                    JobStore.notify(c, "atelier_jobs", queue);
                }
                return Boolean.TRUE;
            }
            Map<Long, JobRef> held = JobStore.fence(c, owner, ids, attempts);
            List<JobRef> completed = new ArrayList<>();
            Map<String, List<String>> completedRows = new LinkedHashMap<>();
            List<Outcome> others = new ArrayList<>();
            for (Outcome o : rest) {
                JobRef job = held.get(o.running().job.id());
                if (job == null) {
                    log.debug(
                            "job {} attempt {} lost its lease; its outcome is dropped",
                            o.running().job.id(),
                            o.running().job.attempt());
                    continue;
                }
                if (o.result().equals("completed") && !o.running().effects.isEmpty()) {
                    String failure = applyEffects(tx, o.running(), batch.size() == 1);
                    if (failure != null) {
                        others.add(new Outcome(o.running(), "error", failure));
                        continue;
                    }
                }
                if (o.result().equals("completed")) {
                    completed.add(job);
                    if (job.appTable() != null) {
                        completedRows
                                .computeIfAbsent(job.appTable(), t -> new ArrayList<>())
                                .add(Objects.requireNonNull(job.appKey()));
                    }
                } else {
                    others.add(o);
                }
            }
            if (!completed.isEmpty()) {
                long[] done = completed.stream().mapToLong(JobRef::id).toArray();
                JobStore.completed(c, done, now);
                for (Map.Entry<String, List<String>> e : completedRows.entrySet()) {
                    AppTable table = tables.get(e.getKey());
                    if (table != null) {
                        AppRows.completed(c, table, e.getValue(), now);
                    }
                }
                wakeQueues.addAll(JobStore.release(c, done, now));
                completedCount.addAndGet(done.length);
            }
            for (Outcome o : others) {
                JobRef job = Objects.requireNonNull(held.get(o.running().job.id()));
                String error = o.error() != null ? o.error() : o.result();
                if (o.result().equals("cancelled")) {
                    giveUp(c, job, "cancelled", error, now);
                } else {
                    failAttempt(c, job, o.result().equals("timeout") ? "timeout" : "failed", error, now, o.running());
                }
            }
            for (String queue : new HashSet<>(wakeQueues)) {
                JobStore.notify(c, "atelier_jobs", queue);
            }
            return Boolean.TRUE;
        });
    }

    /**
     * Runs a job's effects. In a batch, a failing effect fails the whole transaction and the batch
     * is then committed job by job; alone, the effect runs under a savepoint and its failure
     * becomes the attempt's error, so the job is retried like any failure.
     */
    private static @Nullable String applyEffects(Database.Transaction tx, Running r, boolean alone)
            throws SQLException {
        if (!alone) {
            for (JobEffect effect : r.effects) {
                effect.apply(tx);
            }
            return null;
        }
        Savepoint savepoint = tx.connection().setSavepoint();
        try {
            for (JobEffect effect : r.effects) {
                effect.apply(tx);
            }
            tx.connection().releaseSavepoint(savepoint);
            return null;
        } catch (SQLException | RuntimeException e) {
            tx.connection().rollback(savepoint);
            return describe(e);
        }
    }

    /** A failed attempt: another one after the backoff, or the end when the attempts are used up. */
    private void failAttempt(
            Connection c, JobRef job, String outcome, String error, Instant now, @Nullable Running attempt)
            throws SQLException {
        boolean again = attempt == null || !attempt.giveUpNow;
        if (again && job.attempt() < maxAttempts(job)) {
            JobType type = types.get(job.kind());
            Duration delay = type != null ? type.backoff(job.attempt()) : Duration.ofSeconds(job.attempt());
            Duration asked = attempt == null ? null : attempt.retryAfter;
            if (asked != null && asked.compareTo(delay) > 0) {
                delay = asked;
            }
            JobStore.retry(c, job, error, now, now.plus(delay));
            AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
            if (table != null) {
                AppRows.retrying(c, table, Objects.requireNonNull(job.appKey()), job.attempt(), error);
            }
        } else {
            giveUp(c, job, outcome, error, now);
        }
    }

    int maxAttempts(JobRef job) {
        if (job.maxAttempts() != null) {
            return job.maxAttempts();
        }
        JobType type = types.get(job.kind());
        if (type != null && type.maxAttempts() != null) {
            return type.maxAttempts();
        }
        AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
        return table != null ? table.defaultAttempts() : DEFAULT_ATTEMPTS;
    }

    /**
     * The job ends without success: its row and its app row say so, its give-up hook runs (once:
     * this transition happens once), and its waiting dependents fail or are cancelled in turn.
     */
    private void giveUp(Connection c, JobRef job, String outcome, @Nullable String error, Instant now)
            throws SQLException {
        JobStore.gaveUp(c, job, outcome, error, now);
        failedCount.incrementAndGet();
        AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
        if (table != null) {
            AppRows.gaveUp(c, table, Objects.requireNonNull(job.appKey()), outcome, error, now);
        }
        JobType type = types.get(job.kind());
        if (type != null && type.onGiveUp() != null) {
            Objects.requireNonNull(type.onGiveUp())
                    .gaveUp(new Database.Transaction(c), job.id(), job.appKey(), outcome);
        }
        for (JobRef dependent : JobStore.waitingOn(c, job.id())) {
            giveUp(
                    c,
                    dependent,
                    dependent.cancelOnDependencyFailure() ? "cancelled" : "failed",
                    "job " + job.id() + " it depends on " + (outcome.equals("cancelled") ? "was cancelled" : "failed"),
                    now);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Heartbeats, rescue, dependencies, schedules
    // ------------------------------------------------------------------------------------------

    private void heartbeatLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(options.heartbeatInterval().toMillis()); // a period, not waiting for a result
                heartbeat();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                log.warn("job heartbeat failed: {}", e.getMessage());
            }
        }
    }

    /** Renews this engine's leases; stops jobs that were rescued from it or asked to cancel. */
    public void heartbeat() throws SQLException {
        List<Running> held = new ArrayList<>(running.values());
        if (held.isEmpty()) {
            return;
        }
        long[] ids = held.stream().mapToLong(r -> r.job.id()).toArray();
        int[] attempts = held.stream().mapToInt(r -> r.job.attempt()).toArray();
        Map<Long, Boolean> renewed = database.transaction(Caller.serviceRole(), tx -> {
            Instant now = clock.instant();
            Map<Long, Boolean> result =
                    JobStore.heartbeat(tx.connection(), owner, ids, attempts, now, now.plus(options.lease()));
            Map<String, List<String>> rows = new LinkedHashMap<>();
            for (Running r : held) {
                if (r.job.appTable() != null && result.containsKey(r.job.id())) {
                    rows.computeIfAbsent(r.job.appTable(), t -> new ArrayList<>())
                            .add(Objects.requireNonNull(r.job.appKey()));
                }
            }
            for (Map.Entry<String, List<String>> e : rows.entrySet()) {
                AppTable table = tables.get(e.getKey());
                if (table != null) {
                    AppRows.heartbeat(tx.connection(), table, e.getValue(), now);
                }
            }
            return result;
        });
        for (Running r : held) {
            Boolean cancel = renewed.get(r.job.id());
            if (cancel == null) {
                if (running.get(r.job.id()) == r) {
                    r.stop("lost");
                }
            } else if (cancel) {
                r.stop("cancelled");
            }
        }
    }

    private void maintenanceLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(options.maintenance().toMillis()); // a period, not waiting for a result
                maintain();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (!stopping) {
                    log.warn("job maintenance failed: {}", e.getMessage());
                }
            }
        }
    }

    /** One round of the work any server may do for all: rescue, dependencies, periodic jobs. */
    public void maintain() throws SQLException {
        rescue();
        settleWaiting();
        tickSchedules();
    }

    /** Jobs whose lease expired (their worker died): another attempt, or failed when none is left. Returns how many. */
    public int rescue() throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            Instant now = clock.instant();
            List<JobRef> expired = JobStore.expired(tx.connection(), now, 500);
            for (JobRef job : expired) {
                failAttempt(
                        tx.connection(), job, "failed", "worker lost: no heartbeat until the lease expired", now, null);
            }
            if (!expired.isEmpty()) {
                JobStore.notify(tx.connection(), "atelier_jobs", "rescued");
            }
            return expired.size();
        });
    }

    private void settleWaiting() throws SQLException {
        database.transaction(Caller.serviceRole(), tx -> {
            Connection c = tx.connection();
            List<Long> settled = JobStore.settledWaiting(c, 500);
            if (settled.isEmpty()) {
                return Boolean.TRUE;
            }
            Instant now = clock.instant();
            Set<Long> distinct = new HashSet<>(settled);
            for (long dependency : distinct) {
                String state = JobStore.state(c, dependency);
                if (state.equals("completed")) {
                    JobStore.release(c, new long[] {dependency}, now);
                } else {
                    JobRef failed = JobStore.lock(c, dependency);
                    if (failed != null) {
                        for (JobRef dependent : JobStore.waitingOn(c, dependency)) {
                            giveUp(
                                    c,
                                    dependent,
                                    dependent.cancelOnDependencyFailure() ? "cancelled" : "failed",
                                    "job " + dependency + " it depends on " + state,
                                    now);
                        }
                    }
                }
            }
            JobStore.notify(c, "atelier_jobs", "released");
            return Boolean.TRUE;
        });
    }

    private void declare(Connection c, Collection<Periodic> periodic) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("insert into platform.job_schedules "
                + "(name, expression, catch_up, known_since) values (?, ?, ?, ?) on conflict (name) do update set "
                + "expression = excluded.expression, catch_up = excluded.catch_up where (platform.job_schedules.expression, "
                + "platform.job_schedules.catch_up) is distinct from (excluded.expression, excluded.catch_up)")) {
            for (Periodic p : periodic) {
                upsert.setString(1, p.name());
                upsert.setString(2, p.schedule().expression());
                upsert.setString(3, p.catchUp().name().toLowerCase(java.util.Locale.ROOT));
                upsert.setTimestamp(4, JobStore.ts(clock.instant()));
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    /**
     * Enqueues the periods that came due. The schedule rows are locked (skipping those another
     * server holds), and each period's job has the period as its idempotency key: once per period.
     * Returns the jobs enqueued.
     */
    public int tickSchedules() throws SQLException {
        if (schedules.isEmpty()) {
            return 0;
        }
        return database.transaction(Caller.serviceRole(), tx -> {
            Connection c = tx.connection();
            Instant now = clock.instant();
            int enqueued = 0;
            Map<String, Instant[]> rows = new LinkedHashMap<>();
            try (PreparedStatement lock = c.prepareStatement("select name, known_since, last_fire_at from "
                    + "platform.job_schedules where name = any (?) order by name for update skip locked")) {
                lock.setArray(1, c.createArrayOf("text", schedules.keySet().toArray()));
                try (ResultSet rs = lock.executeQuery()) {
                    while (rs.next()) {
                        java.sql.Timestamp last = rs.getTimestamp(3);
                        rows.put(
                                rs.getString(1),
                                new Instant[] {rs.getTimestamp(2).toInstant(), last == null ? null : last.toInstant()});
                    }
                }
            }
            for (Map.Entry<String, Instant[]> row : rows.entrySet()) {
                Periodic p = schedules.get(row.getKey());
                if (p == null) {
                    continue;
                }
                Instant from = row.getValue()[1] != null ? row.getValue()[1] : row.getValue()[0];
                List<Instant> due = p.schedule().due(from, now, Schedule.MAX_CATCH_UP);
                if (due.isEmpty()) {
                    continue;
                }
                Instant last = due.get(due.size() - 1);
                List<Instant> run = switch (p.catchUp()) {
                    case ALL -> due;
                    case LATEST -> List.of(last);
                    case SKIP -> last.isBefore(now.minus(SKIP_GRACE)) ? List.of() : List.of(last);
                };
                for (Instant period : run) {
                    JobStore.insert(
                            c,
                            NewJob.of("schedule:" + p.name())
                                    .withQueue("periodic")
                                    .withArgs("{\"period\": \"" + period + "\"}")
                                    .withIdempotencyKey(period.toString())
                                    .runAt(period),
                            now);
                    enqueued++;
                }
                try (PreparedStatement fired =
                        c.prepareStatement("update platform.job_schedules set last_fire_at = ? where name = ?")) {
                    fired.setTimestamp(1, JobStore.ts(last));
                    fired.setString(2, p.name());
                    fired.executeUpdate();
                }
            }
            return enqueued;
        });
    }

    private static void deleteFinishedPlatformJobs(Connection c) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("delete from platform.jobs where app_table is null "
                + "and state in ('completed', 'failed', 'cancelled') and finished_at < now() - ?::interval")) {
            delete.setString(1, PLATFORM_RETENTION.toDays() + " days");
            delete.executeUpdate();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Notifications
    // ------------------------------------------------------------------------------------------

    private void listenLoop() {
        Listener source = Objects.requireNonNull(listener);
        while (!stopping) {
            try (Connection c = source.open()) {
                listening = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN atelier_jobs");
                    s.execute("LISTEN atelier_jobs_cancel");
                }
                wake(); // anything enqueued while not listening
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] received = pg.getNotifications(1000);
                    if (received == null) {
                        continue;
                    }
                    for (PGNotification n : received) {
                        if (n.getName().equals("atelier_jobs_cancel")) {
                            cancelLocally(n.getParameter());
                        } else {
                            wake();
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.debug("job notifications interrupted ({}); polling until they are back", e.getMessage());
                try {
                    Thread.sleep(options.pollInterval().toMillis()); // a reconnect delay, not a wait for a result
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                listening = null;
            }
        }
    }

    private void cancelLocally(String payload) {
        try {
            Running r = running.get(Long.parseLong(payload));
            if (r != null) {
                r.stop("cancelled");
            }
        } catch (NumberFormatException ignored) {
            // not ours
        }
    }

    // ------------------------------------------------------------------------------------------
    // Operations
    // ------------------------------------------------------------------------------------------

    /**
     * Cancels a job: a queued or waiting one at once, a running one cooperatively (its worker is
     * interrupted; the job ends as cancelled when the handler returns). Returns the state after.
     */
    public String cancel(Database.Transaction tx, long id) throws SQLException {
        Connection c = tx.connection();
        JobRef job = JobStore.lock(c, id);
        if (job == null) {
            return "";
        }
        String state = JobStore.state(c, id);
        switch (state) {
            case "waiting", "available" -> {
                giveUp(c, job, "cancelled", "cancelled", clock.instant());
                return "cancelled";
            }
            case "running" -> {
                try (PreparedStatement ask =
                        c.prepareStatement("update platform.jobs set cancel_requested = true where id = ?")) {
                    ask.setLong(1, id);
                    ask.executeUpdate();
                }
                JobStore.notify(c, "atelier_jobs_cancel", Long.toString(id));
                return "running";
            }
            default -> {
                return state;
            }
        }
    }

    public String cancel(long id) throws SQLException {
        String state = database.transaction(Caller.serviceRole(), tx -> cancel(tx, id));
        cancelLocally(Long.toString(id));
        return state;
    }

    /** Runs a failed or cancelled job again, with one more attempt allowed. Returns false when it is not finished so. */
    public boolean retry(Database.Transaction tx, long id) throws SQLException {
        Connection c = tx.connection();
        JobRef job = JobStore.lock(c, id);
        if (job == null || !Set.of("failed", "cancelled").contains(JobStore.state(c, id))) {
            return false;
        }
        AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
        if (table != null && !table.rerunnable()) {
            return false;
        }
        try (PreparedStatement again = c.prepareStatement("update platform.jobs set state = 'available', run_at = ?, "
                + "max_attempts = greatest(coalesce(max_attempts, ?), attempt + 1), outcome = null, finished_at = null, "
                + "cancel_requested = false where id = ?")) {
            again.setTimestamp(1, JobStore.ts(clock.instant()));
            again.setInt(2, maxAttempts(job));
            again.setLong(3, id);
            again.executeUpdate();
        }
        if (table != null) {
            AppRows.pending(c, table, Objects.requireNonNull(job.appKey()));
        }
        JobStore.notify(c, "atelier_jobs", job.queue());
        return true;
    }

    /** Deletes a job that is not running (with its app row, for an app's job). Returns false when it runs or is gone. */
    public boolean delete(Database.Transaction tx, long id) throws SQLException {
        Connection c = tx.connection();
        JobRef job = JobStore.lock(c, id);
        if (job == null || JobStore.state(c, id).equals("running")) {
            return false;
        }
        AppTable table = job.appTable() == null ? null : tables.get(job.appTable());
        if (table != null) {
            try (PreparedStatement delete =
                    c.prepareStatement("delete from " + table.table() + " where id = ?::" + table.keyType())) {
                delete.setString(1, Objects.requireNonNull(job.appKey()));
                delete.executeUpdate();
            }
        }
        try (PreparedStatement delete = c.prepareStatement("delete from platform.jobs where id = ?")) {
            delete.setLong(1, id);
            delete.executeUpdate();
        }
        return true;
    }

    /** Pauses or resumes claiming from a queue on every server. */
    public static void pause(Database.Transaction tx, String queue, boolean paused) throws SQLException {
        try (PreparedStatement upsert = tx.connection()
                .prepareStatement("insert into platform.job_queues (queue, paused) "
                        + "values (?, ?) on conflict (queue) do update set paused = excluded.paused")) {
            upsert.setString(1, queue);
            upsert.setBoolean(2, paused);
            upsert.executeUpdate();
        }
        if (!paused) {
            JobStore.notify(tx.connection(), "atelier_jobs", queue);
        }
    }

    /** Counters since start, for metrics. */
    public long completedJobs() {
        return completedCount.get();
    }

    public long failedJobs() {
        return failedCount.get();
    }

    public int runningJobs() {
        return running.size();
    }

    @Nullable
    AppTable table(String name) {
        return tables.get(name);
    }

    // ------------------------------------------------------------------------------------------
    // What a handler sees
    // ------------------------------------------------------------------------------------------

    private final class Context implements JobContext {
        private final Running r;

        Context(Running r) {
            this.r = r;
        }

        @Override
        public long id() {
            return r.job.id();
        }

        @Override
        public String kind() {
            return r.job.kind();
        }

        @Override
        public int attempt() {
            return r.job.attempt();
        }

        @Override
        public String args() {
            return r.job.args();
        }

        @Override
        public @Nullable String appKey() {
            return r.job.appKey();
        }

        @Override
        public boolean stopRequested() {
            return r.stop != null;
        }

        @Override
        public void onComplete(JobEffect effect) {
            r.effects.add(effect);
        }

        @Override
        public void progress(double percent, @Nullable String message) {
            double bounded = Math.max(0, Math.min(100, percent));
            fenced(c -> {
                try (PreparedStatement update = c.prepareStatement(
                        "update platform.jobs set progress = ?, progress_message = ? where id = ?")) {
                    update.setDouble(1, bounded);
                    update.setString(2, message);
                    update.setLong(3, r.job.id());
                    update.executeUpdate();
                }
                if (r.table != null) {
                    AppRows.progress(
                            c, r.table, Objects.requireNonNull(r.job.appKey()), r.job.attempt(), bounded, message);
                }
            });
        }

        @Override
        public void log(LogLevel level, String message) {
            fenced(c -> {
                AppTable table = r.table;
                if (table != null && table.logTable() != null) {
                    AppRows.log(c, table, Objects.requireNonNull(r.job.appKey()), level, message);
                    return;
                }
                try (PreparedStatement insert = c.prepareStatement(
                        "insert into platform.job_logs (job_id, attempt, level, message) values (?, ?, ?, ?)")) {
                    insert.setLong(1, r.job.id());
                    insert.setInt(2, r.job.attempt());
                    insert.setString(3, level.word());
                    insert.setString(4, message);
                    insert.executeUpdate();
                }
            });
        }

        /** Writes only while this attempt still holds the job. */
        private void fenced(SqlWork work) {
            try {
                database.transaction(Caller.serviceRole(), tx -> {
                    Map<Long, JobRef> held = JobStore.fence(
                            tx.connection(), owner, new long[] {r.job.id()}, new int[] {r.job.attempt()});
                    if (!held.isEmpty()) {
                        work.run(tx.connection());
                    }
                    return Boolean.TRUE;
                });
            } catch (SQLException e) {
                log.debug("job {} could not report: {}", r.job.id(), e.getMessage());
            }
        }
    }

    @FunctionalInterface
    private interface SqlWork {
        void run(Connection c) throws SQLException;
    }
}
