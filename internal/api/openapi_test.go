package api

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// openAPIPath is the API reference, relative to this package.
const openAPIPath = "../../docs/openapi.yaml"

// The spec is read as text: no YAML library is available, and the layout
// of docs/openapi.yaml is regular enough to read by indentation.
var (
	specPathKey   = regexp.MustCompile(`^  ['"]?(/[^'":]*)['"]?:\s*(#.*)?$`)
	specMethodKey = regexp.MustCompile(`^    (get|put|post|delete|patch|head|options|trace):\s*(#.*)?$`)
	specEnumItem  = regexp.MustCompile(`^\s+-\s+['"]?([a-z0-9_]+)['"]?\s*$`)
)

// specOperation is one operation of the spec's paths section.
type specOperation struct {
	route string   // "METHOD /path"
	lines []string // the operation's lines, its key excluded
}

// readSpecLines returns docs/openapi.yaml line by line.
func readSpecLines(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(openAPIPath)
	if err != nil {
		t.Fatalf("open the API reference: %v", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), " \t\r"))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", openAPIPath, err)
	}
	return lines
}

// specOperations parses the spec's top-level paths section: path keys are
// indented 2 spaces and method keys 4. Other keys of a path item (shared
// parameters, summary) are not operations.
func specOperations(t *testing.T, lines []string) []specOperation {
	t.Helper()
	var ops []specOperation
	inPaths, sawPaths, path := false, false, ""
	var cur *specOperation
	for i, line := range lines {
		if line == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			if cur != nil {
				cur.lines = append(cur.lines, line)
			}
			continue
		}
		if !strings.HasPrefix(line, " ") { // a top-level key
			inPaths = strings.HasPrefix(line, "paths:")
			sawPaths = sawPaths || inPaths
			path, cur = "", nil
			continue
		}
		if !inPaths {
			continue
		}
		if m := specPathKey.FindStringSubmatch(line); m != nil {
			path, cur = m[1], nil
			continue
		}
		if strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") {
			t.Fatalf("%s:%d: a key under paths: that is not a path: %q", openAPIPath, i+1, line)
		}
		if m := specMethodKey.FindStringSubmatch(line); m != nil {
			if path == "" {
				t.Fatalf("%s:%d: a method outside any path", openAPIPath, i+1)
			}
			ops = append(ops, specOperation{route: strings.ToUpper(m[1]) + " " + path})
			cur = &ops[len(ops)-1]
			continue
		}
		if strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     ") {
			cur = nil // a path-level key such as parameters
			continue
		}
		if cur != nil {
			cur.lines = append(cur.lines, line)
		}
	}
	if !sawPaths {
		t.Fatalf("%s has no top-level paths: section", openAPIPath)
	}
	return ops
}

// tableRoutes returns the route table's patterns, normalised to "METHOD /path".
func tableRoutes(t *testing.T) []route {
	t.Helper()
	rts := (&api{}).routes()
	for _, rt := range rts {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok || method == "" || !strings.HasPrefix(path, "/") {
			t.Fatalf("route pattern %q is not \"METHOD /path\"; teach this test about it", rt.pattern)
		}
	}
	return rts
}

// TestOpenAPICoversRouteTable checks that docs/openapi.yaml documents every
// route of the route table and nothing else, so the reference cannot drift
// from the code.
func TestOpenAPICoversRouteTable(t *testing.T) {
	ops := specOperations(t, readSpecLines(t))
	inSpec := map[string]bool{}
	for _, op := range ops {
		if inSpec[op.route] {
			t.Errorf("docs/openapi.yaml documents %s twice", op.route)
		}
		inSpec[op.route] = true
	}
	inTable := map[string]bool{}
	for _, rt := range tableRoutes(t) {
		inTable[specPattern(rt.pattern)] = true
	}
	for _, r := range sortedKeys(inTable) {
		if !inSpec[r] {
			t.Errorf("route %s is in the route table (routes.go) but not in docs/openapi.yaml", r)
		}
	}
	for _, r := range sortedKeys(inSpec) {
		if !inTable[r] {
			t.Errorf("docs/openapi.yaml documents %s, which the route table (routes.go) does not serve", r)
		}
	}
}

// TestOpenAPIIdempotencyKeyOnMutatingRoutes checks that every POST, which
// handle wraps in the Idempotency-Key middleware, declares the header.
func TestOpenAPIIdempotencyKeyOnMutatingRoutes(t *testing.T) {
	ops := map[string]specOperation{}
	for _, op := range specOperations(t, readSpecLines(t)) {
		ops[op.route] = op
	}
	for _, rt := range tableRoutes(t) {
		if !strings.HasPrefix(rt.pattern, "POST ") {
			continue
		}
		op, ok := ops[rt.pattern]
		if !ok {
			continue // TestOpenAPICoversRouteTable reports it
		}
		if !slices.ContainsFunc(op.lines, func(l string) bool {
			return strings.Contains(l, "#/components/parameters/IdempotencyKey")
		}) {
			t.Errorf("docs/openapi.yaml: %s does not declare the Idempotency-Key parameter", rt.pattern)
		}
	}
}

// TestOpenAPIProblemCodes checks that the ProblemCode enum lists exactly the
// stable problem codes: the domain's (esign.Code*) and the transport's
// (code* in this package).
func TestOpenAPIProblemCodes(t *testing.T) {
	want := map[string]bool{}
	for dir, prefix := range map[string]string{"../esign": "Code", ".": "code"} {
		for _, c := range stringConsts(t, dir, prefix) {
			want[c] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("found no problem code constants")
	}
	got := map[string]bool{}
	for _, c := range specProblemCodes(t, readSpecLines(t)) {
		got[c] = true
	}
	for _, c := range sortedKeys(want) {
		if !got[c] {
			t.Errorf("problem code %q is missing from ProblemCode in docs/openapi.yaml", c)
		}
	}
	for _, c := range sortedKeys(got) {
		if !want[c] {
			t.Errorf("ProblemCode in docs/openapi.yaml lists %q, which no code constant defines", c)
		}
	}
}

// specProblemCodes returns the enum of components.schemas.ProblemCode.
func specProblemCodes(t *testing.T, lines []string) []string {
	t.Helper()
	start := slices.Index(lines, "    ProblemCode:")
	if start < 0 {
		t.Fatalf("%s has no ProblemCode schema", openAPIPath)
	}
	var codes []string
	inEnum := false
	for _, line := range lines[start+1:] {
		if line == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if indent <= 4 {
			break
		}
		if indent == 6 {
			inEnum = strings.TrimSpace(line) == "enum:"
			continue
		}
		if m := specEnumItem.FindStringSubmatch(line); inEnum && m != nil {
			codes = append(codes, m[1])
		}
	}
	if len(codes) == 0 {
		t.Fatalf("%s: ProblemCode has no block-style enum", openAPIPath)
	}
	return codes
}

// stringConsts returns the values of the string constants of the package in
// dir whose names are prefix followed by an upper-case letter.
func stringConsts(t *testing.T, dir, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					rest, ok := strings.CutPrefix(id.Name, prefix)
					if !ok || rest == "" || rest[0] < 'A' || rest[0] > 'Z' || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// specPattern is a route pattern as the spec writes its path: "{$}", which
// makes a pattern match only its exact path, has no OpenAPI spelling.
func specPattern(pattern string) string { return strings.ReplaceAll(pattern, "{$}", "") }
