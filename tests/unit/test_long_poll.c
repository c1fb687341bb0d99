/* Unit tests for the long-poll machinery of http/server: a notification that arrives while a
 * long-poll's handler is running (after it looked, before it is held) still wakes it; a flood of
 * other notifications in that window wakes it too (the record of recent ones overflowed); a
 * notification for another topic does not; and a held poll ends at its own deadline although
 * the server's recheck interval is far longer.
 *
 * The server runs on 127.0.0.1 with two worker threads. The handler of /wait blocks its first
 * pass between looking and being held until the test has sent its notifications through the
 * other worker, so the race is opened on purpose instead of hoped for. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/status.h"
#include "http/limits.h"
#include "http/request.h"
#include "http/server.h"
#include "platform/log.h"

/* A held /wait answers "timeout" after this long; without its wake-up a poll ends that way. */
#define WAIT_MS 2000
/* Far beyond WAIT_MS: only a notification (or the deadline) can re-run a held poll. */
#define RECHECK_MS HTTP_WAIT_RECHECK_MS_MAX
/* Bounds every blocking step of the test itself. */
#define STEP_TIMEOUT_S 10

static atomic_bool changed;
static atomic_bool first_pass_taken;
static sem_t handler_looked, may_hold;

static void reply(struct request *req, struct response *res, const char *text) {
  response_body(req, res, 200, "text/plain", str_from_cstr(text));
}

/* Answers "changed" once /change ran, "timeout" at its deadline, else waits on topic "t". Its
 * first pass stops after looking, until the test lets it go on to be held. */
static void wait_handler(struct request *req, struct response *res) {
  if (req->wait_deadline_ms == 0) req->wait_deadline_ms = req->now_ms + WAIT_MS;
  if (req->now_ms >= req->wait_deadline_ms) return reply(req, res, "timeout");
  if (atomic_load(&changed)) return reply(req, res, "changed");
  if (!atomic_exchange(&first_pass_taken, true)) {
    sem_post(&handler_looked);
    sem_wait(&may_hold);
  }
  reply(req, res, "pending");
  response_wait(req, res, "t");
}

static void change_handler(struct request *req, struct response *res) {
  atomic_store(&changed, true);
  http_notify(req, "t");
  reply(req, res, "ok");
}

static void noise_handler(struct request *req, struct response *res) {
  http_notify(req, "another-topic");
  reply(req, res, "ok");
}

static const struct route routes[] = {
    {HTTP_GET, "/wait", wait_handler, 0, 0},
    {HTTP_GET, "/change", change_handler, 0, 0},
    {HTTP_GET, "/noise", noise_handler, 0, 0},
};

/* GET `path` over HTTP/1.0; copies the body (NUL-terminated) into `body`. */
static void http_get(uint16_t port, const char *path, char *body, size_t cap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct timeval timeout = {.tv_sec = STEP_TIMEOUT_S};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
  char request[128];
  int n = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
  assert_int_equal(write(fd, request, (size_t)n), n);
  char whole[4096];
  size_t len = 0;
  ssize_t got;
  while (len < sizeof whole - 1 && (got = read(fd, whole + len, sizeof whole - 1 - len)) > 0)
    len += (size_t)got;
  close(fd);
  whole[len] = '\0';
  const char *start = strstr(whole, "\r\n\r\n");
  snprintf(body, cap, "%s", start ? start + 4 : "");
}

struct poll_call {
  uint16_t port;
  char body[64];
};

static void *poll_thread(void *arg) {
  struct poll_call *call = arg;
  http_get(call->port, "/wait", call->body, sizeof call->body);
  return NULL;
}

static void sem_wait_bounded(sem_t *sem) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += STEP_TIMEOUT_S;
  assert_int_equal(sem_timedwait(sem, &deadline), 0);
}

/* Starts a server, runs /wait with `in_window` sent while its handler sits between looking and
 * being held, and returns the poll's answer in `answer`. */
static void poll_with_window(const char *const *in_window, size_t count, char *answer, size_t cap) {
  atomic_store(&changed, false);
  atomic_store(&first_pass_taken, false);
  sem_init(&handler_looked, 0, 0);
  sem_init(&may_hold, 0, 0);
  struct http_server_config config = {.host = "127.0.0.1",
                                      .threads = 2,
                                      .connections_max = 16,
                                      .routes = routes,
                                      .route_count = sizeof routes / sizeof routes[0],
                                      .wait_recheck_ms = RECHECK_MS};
  struct http_server *server = NULL;
  assert_int_equal(http_server_start(&config, &server), HT_OK);
  struct poll_call call = {.port = http_server_port(server)};
  pthread_t poller;
  pthread_create(&poller, NULL, poll_thread, &call);
  sem_wait_bounded(&handler_looked);
  char body[64];
  for (size_t i = 0; i < count; i++) {
    http_get(call.port, in_window[i], body, sizeof body);
    assert_string_equal(body, "ok");
  }
  sem_post(&may_hold);
  pthread_join(poller, NULL);
  http_server_stop(server);
  sem_destroy(&handler_looked);
  sem_destroy(&may_hold);
  snprintf(answer, cap, "%s", call.body);
}

static void test_notification_while_the_handler_runs_wakes_it(void **state) {
  (void)state;
  const char *const window[] = {"/change"};
  char answer[64];
  poll_with_window(window, 1, answer, sizeof answer);
  assert_string_equal(answer, "changed");
}

static void test_overflowing_the_recent_record_still_wakes_it(void **state) {
  (void)state;
  static const char *window[HTTP_NOTIFY_RECENT + 2];
  window[0] = "/change";
  for (size_t i = 1; i < sizeof window / sizeof window[0]; i++) window[i] = "/noise";
  char answer[64];
  poll_with_window(window, sizeof window / sizeof window[0], answer, sizeof answer);
  assert_string_equal(answer, "changed");
}

static void test_other_topics_leave_it_held_until_its_deadline(void **state) {
  (void)state;
  const char *const window[] = {"/noise", "/noise", "/noise"};
  char answer[64];
  poll_with_window(window, 3, answer, sizeof answer);
  assert_string_equal(answer, "timeout"); /* at WAIT_MS, not at the server's RECHECK_MS */
}

int main(void) {
  log_open_access("off");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_notification_while_the_handler_runs_wakes_it),
      cmocka_unit_test(test_overflowing_the_recent_record_still_wakes_it),
      cmocka_unit_test(test_other_topics_leave_it_held_until_its_deadline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
