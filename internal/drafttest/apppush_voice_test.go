package drafttest

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
)

// The App Push voice upload (specs/testdata/engagelab/apppush-voice.yaml),
// a multipart draft, through the client's pipeline and the mock.

const appPushVoiceSpec = "engagelab/apppush-voice"

var registerAppPushVoice = sync.OnceValue(func() error {
	raw, err := os.ReadFile(filepath.Join("..", "..", "specs", "testdata", "engagelab", "apppush-voice.yaml"))
	if err != nil {
		return err
	}
	_, err = specs.Register(appPushVoiceSpec, raw)
	return err
})

type uploadVoiceParams struct {
	Language string      `json:"language"`
	File     upload.File `json:"file"`
}

type voice struct {
	Language string `json:"language"`
	FileURL  string `json:"file_url"`
}

// appPushVoiceEnv is the draft's service, with App Push's pair, in front
// of a fresh mock, and what reached the mock.
type appPushVoiceEnv struct {
	svc *apiclient.Service

	mu    sync.Mutex
	users []string
	body  []byte
	ctype string
}

func startAppPushVoice(t *testing.T, secret string) *appPushVoiceEnv {
	t.Helper()
	require.NoError(t, registerAppPushVoice())
	m := mock.Start(t)
	env := &appPushVoiceEnv{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, _, _ := r.BasicAuth()
		env.mu.Lock()
		env.users, env.body, env.ctype = append(env.users, user), b, r.Header.Get("Content-Type")
		env.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		m.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	key, want := m.Server.AppCredentials("apppush")
	if secret == "" {
		secret = want
	}
	cfg, err := apiclient.NewConfig([]option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries(), option.WithAppCredentials("apppush", key, secret)})
	require.NoError(t, err)
	env.svc = apiclient.NewService(cfg, appPushVoiceSpec, func(base http.RoundTripper) http.RoundTripper {
		return &sign.BasicAuthTransport{Base: base, For: func(*http.Request) (string, string, bool) { return key, secret, true }}
	})
	return env
}

func TestAppPushVoiceUpload(t *testing.T) {
	zip := bytes.Repeat([]byte("PK\x03\x04mp3"), 512)
	env := startAppPushVoice(t, "")
	var out voice
	params := uploadVoiceParams{Language: "en", File: upload.File{Name: "voices-en.zip", ContentType: "application/zip", Body: bytes.NewReader(zip)}}
	require.NoError(t, env.svc.Call(context.Background(), "uploadVoice", nil, params, &out, nil))
	assert.Equal(t, "en", out.Language)
	assert.NotEmpty(t, out.FileURL)

	env.mu.Lock()
	defer env.mu.Unlock()
	require.Len(t, env.users, 1)
	mt, mp, err := mime.ParseMediaType(env.ctype)
	require.NoError(t, err)
	assert.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(bytes.NewReader(env.body), mp["boundary"])
	parts := map[string][]byte{}
	names := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, _ := io.ReadAll(part)
		parts[part.FormName()], names[part.FormName()] = b, part.FileName()
	}
	assert.Equal(t, "en", string(parts["language"]))
	assert.Equal(t, zip, parts["file"], "the file went whole")
	assert.Equal(t, "voices-en.zip", names["file"])
}

func TestAppPushVoiceUploadFailures(t *testing.T) {
	file := func() upload.File { return upload.File{Name: "v.zip", Body: strings.NewReader("zip")} }
	t.Run("refused before sending", func(t *testing.T) {
		for name, params := range map[string]uploadVoiceParams{
			"no file":               {Language: "en"},
			"a language not listed": {Language: "fr", File: file()},
		} {
			t.Run(name, func(t *testing.T) {
				env := startAppPushVoice(t, "")
				err := env.svc.Call(context.Background(), "uploadVoice", nil, params, new(voice), nil)
				var ve *apierror.ValidationError
				require.ErrorAs(t, err, &ve)
				env.mu.Lock()
				defer env.mu.Unlock()
				assert.Empty(t, env.users, "nothing was sent")
			})
		}
	})
	t.Run("a wrong master secret", func(t *testing.T) {
		env := startAppPushVoice(t, "wrong")
		err := env.svc.Call(context.Background(), "uploadVoice", nil, uploadVoiceParams{Language: "zh-Hans", File: file()}, new(voice), nil)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 21004, ae.Code)
		assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	})
}
