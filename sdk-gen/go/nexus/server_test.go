package nexus_test

// The fixture: one real nexus server for the package's tests, started in
// TestMain on 127.0.0.1 with a free port and a temporary data directory.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.invalid/nexus-go/nexus"
)

type server struct {
	bin, root, dataDir, logPath, addr string
	cmd                               *exec.Cmd
	done                              chan struct{}
}

var srv *server

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin := os.Getenv("NEXUS_BIN")
	if bin == "" {
		fmt.Fprintln(os.Stderr, "set NEXUS_BIN to a built nexus binary (cargo build -p nexus-server, or run scripts/test)")
		return 1
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		fmt.Fprintf(os.Stderr, "NEXUS_BIN=%s is not a file: set NEXUS_BIN to a built nexus binary (cargo build -p nexus-server, or run scripts/test)\n", bin)
		return 1
	}
	root := os.Getenv("NEXUS_ROOT")
	if root == "" {
		_, file, _, _ := runtime.Caller(0) // <root>/sdk-gen/go/nexus/server_test.go
		root = filepath.Join(filepath.Dir(file), "..", "..", "..")
	}
	root, _ = filepath.Abs(root)
	tmp, err := os.MkdirTemp("", "nexus-go-sdk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	port, err := freePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv = &server{
		bin: bin, root: root, dataDir: filepath.Join(tmp, "data"),
		logPath: filepath.Join(tmp, "nexus.log"), addr: fmt.Sprintf("127.0.0.1:%d", port),
	}
	if err := srv.start(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot start nexus: %v\n--- server log (tail) ---\n%s\n", err, srv.logTail(60))
		srv.stop()
		return 1
	}
	code := m.Run()
	srv.stop()
	return code
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server and waits (at most 30 s) until it answers.
func (s *server) start() error {
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	s.cmd = exec.Command(s.bin, "serve", "--listen", s.addr, "--data-dir", s.dataDir,
		"--schemas-dir", filepath.Join(s.root, "schemas"),
		"--policies-dir", filepath.Join(s.root, "policies"),
		"--projections-dir", filepath.Join(s.root, "projections"),
		"--sagas-dir", filepath.Join(s.root, "sagas"))
	s.cmd.Dir = filepath.Dir(s.dataDir) // no stray ./nexus.toml
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(s.cmd, s.done)

	client, err := nexus.Connect(s.addr, nexus.Options{Timeout: time.Second, Retry: nexus.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		return err
	}
	defer client.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := client.ListAggregateTypes(context.Background())
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("nexus exited while starting: %v", s.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nexus did not answer within 30 s: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 10 s.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// kill ends the server with SIGKILL.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// restart stops the server (SIGKILL if hard, else SIGTERM) and starts it
// again on the same data directory and port.
func (s *server) restart(t *testing.T, hard bool) {
	t.Helper()
	if hard {
		s.kill()
	} else {
		s.stop()
	}
	if err := s.start(); err != nil {
		t.Fatalf("restart nexus: %v", err)
	}
}

func (s *server) logTail(lines int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(string(bytes.TrimRight(b, "\n")), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// setup returns a client of the test server and a context bounded to 60 s;
// on failure it prints the server log's tail.
func setup(t *testing.T) (*nexus.Client, context.Context) {
	t.Helper()
	if srv == nil {
		t.Fatal("no server: TestMain did not start one")
	}
	if srv.cmd == nil { // an earlier test failed while it was stopped
		if err := srv.start(); err != nil {
			t.Fatalf("start nexus: %v\n%s", err, srv.logTail(40))
		}
	}
	client, err := nexus.Connect(srv.addr, nexus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(func() {
		cancel()
		client.Close()
		if t.Failed() {
			t.Logf("--- nexus log (tail) ---\n%s", srv.logTail(40))
		}
	})
	return client, ctx
}

// must(f())(t) is f's value, or fails the test on f's error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			var e *nexus.Error
			if errors.As(err, &e) {
				t.Fatalf("unexpected error: %v (metadata %v, violations %v)", e, e.Metadata, e.FieldViolations)
			}
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
