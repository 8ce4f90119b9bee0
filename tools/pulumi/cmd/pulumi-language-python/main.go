// Command pulumi-language-python is netmera-iac's Python language host for the Pulumi engine.
//
// Why it exists: Pulumi's own host lives in a Go module that is never tagged, and the Go module
// proxy reachable from our machines serves no version of it. The engine only needs a gRPC
// LanguageRuntime server that spawns `pulumi-language-python-exec` (shipped inside the tagged
// sdk/v3 module) with the right arguments, so we build that small server here against the very
// same sdk/v3 release as the CLI. Virtualenv handling is delegated to sdk/v3's python/toolchain
// package, so `toolchain: pip` and `virtualenv: .venv` in Pulumi.yaml mean what they mean upstream.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// bailExitCode is what the exec shim returns after it already showed the user an actionable
// message; the engine must then not print a second, generic error.
const bailExitCode = 32

// How often the host checks that the engine still answers, and how it exits when it does not
// (the same code as the dynamic-provider watchdog, adapters/process.py).
const (
	engineCheckInterval = 2 * time.Second
	engineGoneExitCode  = 75
)

func main() {
	flag.String("tracing", "", "accepted for compatibility; tracing is not forwarded")
	executor := flag.String("use-executor", "", "path of pulumi-language-python-exec (default: beside this binary)")
	flag.Parse()

	execPath := *executor
	if execPath == "" {
		self, err := os.Executable()
		if err != nil {
			fatal(fmt.Errorf("locating own executable: %w", err))
		}
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		execPath = filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	}
	if _, err := os.Stat(execPath); err != nil {
		fatal(fmt.Errorf("the exec shim %s is missing: %w", execPath, err))
	}

	host := &languageHost{execPath: execPath}
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[0]
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fatal(fmt.Errorf("starting the language host: %w", err))
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	// A killed CLI does not stop its plugins: the engine's address stops answering, and a host left
	// serving nobody would linger forever (one per killed `pulumi up`). The program we run dies with
	// its RPC's context; we go once the engine fails a health check.
	engineGone := make(chan struct{})
	if address := host.engine(); address != "" {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := rpcutil.Healthcheck(ctx, address, engineCheckInterval, cancel); err != nil {
			fatal(fmt.Errorf("watching the engine: %w", err))
		}
		go func() {
			<-ctx.Done()
			close(engineGone)
		}()
	}
	select {
	case err := <-handle.Done:
		if err != nil {
			fatal(err)
		}
	case <-engineGone:
		fmt.Fprintln(os.Stderr, "pulumi-language-python: the Pulumi engine is gone; stopping")
		os.Exit(engineGoneExitCode)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	execPath string

	mu            sync.Mutex
	engineAddress string
}

func (h *languageHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Dynamic providers are bundled with the engine, so a program needs no plugin we could report.
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// resolveToolchain maps Pulumi.yaml's runtime options onto sdk/v3's toolchain package.
func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	if info == nil {
		return nil, status.Error(codes.InvalidArgument, "program info is required")
	}
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Auto,
	}
	fields := info.GetOptions().GetFields()
	if v, ok := fields["virtualenv"]; ok {
		opts.Virtualenv = v.GetStringValue()
	}
	if v, ok := fields["toolchain"]; ok {
		switch strings.ToLower(v.GetStringValue()) {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		case "", "auto":
		default:
			return nil, status.Errorf(codes.InvalidArgument, "unknown python toolchain %q", v.GetStringValue())
		}
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args := []string{"-u", h.execPath}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine())
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", fmt.Sprint(req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	// The exec shim iterates over both values, so empty must be {} and [], never null.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, fmt.Errorf("serialising config: %w", err)
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, fmt.Errorf("serialising secret config keys: %w", err)
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env,
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("could not run the Python executor: %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards a child's output to the engine as RunPlugin or InstallDependencies messages.
type streamWriter func([]byte) error

func (w streamWriter) Write(p []byte) (int, error) {
	buf := make([]byte, len(p))
	copy(buf, p)
	if err := w(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	var mu sync.Mutex
	stdout := streamWriter(func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		return srv.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	})
	stderr := streamWriter(func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		return srv.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	})
	dir := req.GetInfo().GetProgramDirectory()
	return tc.InstallDependencies(srv.Context(), dir, req.GetUseLanguageVersionTools(), true, stdout, stderr)
}

func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
	}, nil
}

func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// RunPlugin runs Python plugins: policy packs (`python -m pulumi.policy`) and Python providers.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, srv pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	ctx := srv.Context()
	var cmd *exec.Cmd
	if req.GetKind() == "analyzer" {
		// pulumi.policy takes the engine address (in args) and then the policy pack's folder.
		args := append(append([]string{}, req.GetArgs()...), req.GetInfo().GetProgramDirectory())
		cmd, err = tc.ModuleCommand(ctx, "pulumi.policy", args...)
	} else {
		entry := filepath.Join(req.GetInfo().GetProgramDirectory(), req.GetInfo().GetEntryPoint())
		cmd, err = tc.Command(ctx, append([]string{"-u", entry}, req.GetArgs()...)...)
	}
	if err != nil {
		return err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	// Unbuffered, like `python -u`: a plugin announces its port on stdout without flushing, and a
	// buffered pipe would keep the engine waiting for it forever.
	cmd.Env = append(cmd.Env, "PYTHONUNBUFFERED=1")
	cmd.Dir = req.GetPwd()

	var mu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return srv.Send(resp)
	}
	cmd.Stdout = streamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	})
	cmd.Stderr = streamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	})
	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}
