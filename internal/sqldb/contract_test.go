package sqldb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/esign/esigntest"
)

// runStoreContract checks that the Store behaves as esign.Store documents,
// on whatever engine open returns a fresh, migrated database of.
func runStoreContract(t *testing.T, open func(t *testing.T) *DB) {
	groups := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) *DB)
	}{
		{"Transactions", testTransactions},
		{"LaterWrites", testLaterWrites},
		{"Migrations", testMigrationsContract},
		{"Organizations", testOrganizations},
		{"Users", testUsers},
		{"AuthTokens", testAuthTokens},
		{"APIKeys", testAPIKeys},
		{"Credentials", testCredentials},
		{"Envelopes", testEnvelopes},
		{"ListEnvelopes", testListEnvelopes},
		{"SearchEnvelopes", testSearchEnvelopes},
		{"Documents", testDocuments},
		{"Recipients", testRecipients},
		{"DraftDeletes", testDraftDeletes},
		{"Fields", testFields},
		{"Signatures", testSignatures},
		{"EnvelopeRecord", testEnvelopeRecord},
		{"EnvelopeMailing", testEnvelopeMailing},
		{"RecipientTokens", testRecipientTokens},
		{"TokenContext", testTokenContext},
		{"RecipientAuth", testRecipientAuth},
		{"RecipientAuthSecrets", testRecipientAuthSecrets},
		{"Audit", testAudit},
		{"Jobs", testJobs},
		{"JobLeases", testJobLeases},
		{"ClaimJobs", testClaimJobs},
		{"SupersedeJobs", testSupersedeJobs},
		{"JobRelay", testJobRelay},
		{"Idempotency", testIdempotency},
		{"Branding", testBranding},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"EndpointHints", testEndpointHints},
		{"EndpointsOncePerTransaction", testEndpointsOncePerTransaction},
		{"WebhookDeliveries", testWebhookDeliveries},
		{"Notifications", testNotifications},
		{"Schedule", testSchedule},
		{"JobCounts", testJobCounts},
		{"Members", testMembers},
		{"APIKeyListing", testAPIKeyListing},
		{"Teams", testTeams},
		{"ListEnvelopesByScope", testListEnvelopesByScope},
		{"Invitations", testInvitations},
		{"OrgAudit", testOrgAudit},
		{"LoginLocks", testLoginLocks},
		{"PasswordResets", testPasswordResets},
		{"TOTP", testTOTP},
		{"MFAChallenges", testMFAChallenges},
		{"Sessions", testSessions},
		{"SSO", testSSO},
		{"ConcurrentReadModifyWrite", testConcurrentCounter},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, open) })
	}
}

// t0 is when every test world begins.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// setClock gives db a stopped clock the test can move.
func setClock(db *DB) *esigntest.Clock {
	c := esigntest.NewClock(t0)
	db.clock = c
	return c
}

func inTx(t testing.TB, db *DB, fn func(ctx context.Context, tx esign.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

func view(t *testing.T, db *DB, fn func(ctx context.Context, tx esign.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr checks that err is an *esign.Error of kind and, unless empty, code.
func wantErr(t *testing.T, err error, kind esign.Kind, code string) {
	t.Helper()
	var e *esign.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want an *esign.Error of kind %s", err, kind)
	}
	if e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("got %s/%s (%v), want %s/%s", e.Kind, e.Code, err, kind, code)
	}
}

func wantEqual[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// catchPanic runs fn and returns what it panicked with, if anything.
func catchPanic(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// race runs fn from n goroutines released at once and returns how many
// returned true; it fails the test on any error.
func race(t *testing.T, n int, fn func() (bool, error)) int64 {
	t.Helper()
	var wg sync.WaitGroup
	var won atomic.Int64
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			ok, err := fn()
			if err != nil {
				errs <- err
			}
			if ok {
				won.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("racer: %v", err)
	}
	return won.Load()
}

// world is the rows most tests need: an organization with a user who owns a
// draft envelope with one document and one recipient.
type world struct {
	Org       *esign.Organization
	User      *esign.User
	Envelope  *esign.Envelope
	Document  *esign.Document
	Recipient *esign.Recipient
}

var worldN atomic.Int64

// newWorld creates a world with ids unique in the database.
func newWorld(t testing.TB, db *DB) *world {
	t.Helper()
	n := worldN.Add(1)
	id := func(prefix string) string { return fmt.Sprintf("%s_%04d", prefix, n) }
	w := &world{
		Org:  &esign.Organization{ID: id("org"), Name: "Acme", CreatedAt: t0},
		User: &esign.User{ID: id("usr"), OrgID: id("org"), Email: id("owner") + "@example.com", Name: "Olive", Role: esign.RoleOwner, PasswordHash: "$argon2id$x", CreatedAt: t0},
		Envelope: &esign.Envelope{ID: id("env"), OrgID: id("org"), OwnerID: id("usr"), Name: "Lease", Status: esign.StatusDraft,
			CreatedAt: t0, UpdatedAt: t0},
		Document: &esign.Document{ID: id("doc"), EnvelopeID: id("env"), Name: "lease.pdf", Position: 1,
			Pages: []esign.PageInfo{{Width: 612, Height: 792}}, Size: 1234, SHA256: "ab", BlobKey: "blobs/ab", CreatedAt: t0},
		Recipient: &esign.Recipient{ID: id("rcp"), EnvelopeID: id("env"), Name: "Rita", Email: "rita@example.com",
			Role: esign.RoleSigner, RoutingOrder: 1, Status: esign.RecipientCreated, AuthMethod: esign.AuthNone, CreatedAt: t0},
	}
	inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
		return errors.Join(
			tx.CreateOrganization(ctx, w.Org),
			tx.CreateUser(ctx, w.User),
			tx.CreateEnvelope(ctx, w.Envelope),
			tx.CreateDocument(ctx, w.Document),
			tx.CreateRecipient(ctx, w.Recipient),
		)
	})
	return w
}

// field returns a new field of w's recipient on w's document.
func (w *world) field(id string) *esign.Field {
	return &esign.Field{ID: id, EnvelopeID: w.Envelope.ID, DocumentID: w.Document.ID, RecipientID: w.Recipient.ID,
		Type: esign.FieldSignature, Page: 1, X: 10.5, Y: 20.25, Width: 100, Height: 30, Required: true, CreatedAt: t0}
}

func testTransactions(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	boom := errors.New("boom")
	orgExists := func(id string) bool {
		t.Helper()
		var found bool
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			_, err := tx.OrganizationByID(ctx, id)
			found = err == nil
			if esign.IsKind(err, esign.KindNotFound) {
				err = nil
			}
			return err
		})
		return found
	}
	create := func(id string) func(ctx context.Context, tx esign.Tx) error {
		return func(ctx context.Context, tx esign.Tx) error {
			return tx.CreateOrganization(ctx, &esign.Organization{ID: id, Name: id, CreatedAt: t0})
		}
	}
	tests := []struct {
		name      string
		then      func() error // runs inside the transaction, after the insert
		wantErr   error
		wantPanic bool
		wantSaved bool
	}{
		{"nil commits", func() error { return nil }, nil, false, true},
		{"error rolls back", func() error { return boom }, boom, false, false},
		{"panic rolls back and goes on", func() error { panic(boom) }, nil, true, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("org_tx%d", i)
			var err error
			panicked := catchPanic(func() {
				err = db.InTx(context.Background(), func(ctx context.Context, tx esign.Tx) error {
					if err := create(id)(ctx, tx); err != nil {
						return err
					}
					return tt.then()
				})
			})
			if tt.wantPanic != (panicked == boom) {
				t.Fatalf("recovered %v, want panic %v", panicked, tt.wantPanic)
			}
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := orgExists(id); got != tt.wantSaved {
				t.Fatalf("organization saved = %v, want %v", got, tt.wantSaved)
			}
		})
	}
	t.Run("store still usable after a panic", func(t *testing.T) {
		inTx(t, db, create("org_after_panic"))
	})
	t.Run("now is fixed within a transaction", func(t *testing.T) {
		clock := setClock(db)
		var first, second time.Time
		inTx(t, db, func(ctx context.Context, tx esign.Tx) error {
			first = tx.Now()
			clock.Advance(time.Hour)
			second = tx.Now()
			return nil
		})
		wantEqual(t, first, t0)
		wantEqual(t, second, t0)
		view(t, db, func(ctx context.Context, tx esign.Tx) error {
			wantEqual(t, tx.Now(), t0.Add(time.Hour))
			return nil
		})
	})
	t.Run("view cannot write", func(t *testing.T) {
		err := db.View(context.Background(), create("org_in_view"))
		if err == nil {
			t.Fatal("View let a write through")
		}
		if orgExists("org_in_view") {
			t.Fatal("a write in View was stored")
		}
	})
}

func testMigrationsContract(t *testing.T, open func(t *testing.T) *DB) {
	db := open(t)
	ctx := context.Background()
	for i := range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
	cur, latest, err := db.SchemaStatus(ctx)
	if err != nil || cur != latest || latest < 1 {
		t.Fatalf("SchemaStatus = %d, %d, %v; want equal versions ≥ 1", cur, latest, err)
	}
}
