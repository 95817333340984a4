// Package arch holds tests of the codebase's shape: the import rules of
// docs/architecture.md.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gsign/gsign"

// rules: for each package (prefix), the internal packages it must not import.
// The domain imports only the standard library; adapters never import each
// other or a transport; transports never import storage adapters; only cli
// (and main) wire everything.
var adapters = []string{"internal/sqldb", "internal/blob", "internal/pdf", "internal/pdf/pades", "internal/pdf/certificate", "internal/pki", "internal/mail", "internal/jobs", "internal/password", "internal/totp", "internal/rabbitmq", "internal/redis", "internal/webhook", "internal/sms", "internal/breaker", "internal/metrics", "internal/oidc"}
var transports = []string{"internal/api", "internal/server"}

func TestImportRules(t *testing.T) {
	for p, imports := range listImports(t) {
		rel := strings.TrimPrefix(p, module+"/")
		for _, imp := range imports {
			irel := strings.TrimPrefix(imp, module+"/")
			switch {
			case rel == "internal/esign":
				if !isStdlib(imp) {
					t.Errorf("the domain must import only the standard library; %s imports %s", rel, imp)
				}
			case has(adapters, rel) && (has(adapters, irel) || has(transports, irel) || irel == "internal/cli"):
				t.Errorf("adapter %s must not import %s", rel, irel)
			case has(transports, rel) && (has(adapters, irel) || irel == "internal/cli"):
				t.Errorf("transport %s must not import %s", rel, irel)
			case rel != "internal/cli" && rel != "cmd/gsign" && irel == "internal/cli":
				t.Errorf("only main imports cli; %s does", rel)
			}
		}
	}
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// listImports maps each package of the module to its non-test imports.
func listImports(t *testing.T) map[string][]string {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[f[0]] = f[1:]
	}
	if len(m) < 5 {
		t.Fatalf("go list found only %d packages", len(m))
	}
	return m
}

func isStdlib(imp string) bool {
	first := strings.SplitN(imp, "/", 2)[0]
	return !strings.Contains(first, ".")
}
