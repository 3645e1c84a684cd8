package drift

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const engageLabFixtures = "testdata/engagelab-otp"

// copyDir copies the flat directory src to a new temporary directory,
// applying edit (old → new, each exactly once) to the named file.
func copyDir(t *testing.T, src, file string, edits ...[2]string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		if e.Name() == file {
			s := string(b)
			for _, ed := range edits {
				require.Equal(t, 1, strings.Count(s, ed[0]), "%s must hold %q once", file, ed[0])
				s = strings.Replace(s, ed[0], ed[1], 1)
			}
			b = []byte(s)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	return dst
}

func TestEngageLabOpenAPI(t *testing.T) {
	cases := []struct {
		name  string
		file  string
		edits [][2]string
		want  []key
	}{
		{name: "as published"},
		{
			name: "request field retyped",
			file: "otp-verification.json",
			edits: [][2]string{{`"verify_code": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },`, `"verify_code": {
                    "type": "integer"
                  }
                }
              }
            }
          }
        },`}},
			want: []key{{Type, "otp-verification.json POST /v1/verifications", "request.verify_code"}},
		},
		{
			name: "nested field made optional",
			file: "template.json",
			edits: [][2]string{{`"verify_code_type",
                      "verify_code_len",`, `"verify_code_type",`}},
			want: []key{{Required, "template.json POST /v1/template-configs", "request.verify_code_config.verify_code_len"}},
		},
		{
			name:  "response status added",
			file:  "otp-delivery.json",
			edits: [][2]string{{`"403": {`, `"429": {"description": "Too many"}, "403": {`}},
			want:  []key{{CodeMissingInSpec, "otp-delivery.json POST /v1/messages", "status 429"}},
		},
		{
			name:  "endpoint no spec has",
			file:  "otp-verification.json",
			edits: [][2]string{{`"/v1/verifications"`, `"/v2/verifications"`}},
			want: []key{
				{UndocumentedOperation, "engagelab/otp verify", ""},
				{NoOperation, "otp-verification.json POST /v2/verifications", ""},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := engageLabFixtures
			if tc.file != "" {
				dir = copyDir(t, engageLabFixtures, tc.file, tc.edits...)
			}
			r, err := Check(Options{EngageLabOpenAPI: dir})
			require.NoError(t, err)
			want := tc.want
			if want == nil {
				want = []key{}
			}
			assert.Equal(t, want, keys(r.Undeclared()))
			covered := 0
			for _, row := range r.Coverage {
				if row.Status == StatusCovered {
					covered++
				}
			}
			assert.Equal(t, 8-len(tc.want)/2, covered)
		})
	}
}

func TestCheckNeedsDocs(t *testing.T) {
	_, err := Check(Options{})
	assert.Error(t, err)
	_, err = Check(Options{NXCloudDocs: filepath.Join(t.TempDir(), "absent")})
	assert.Error(t, err)
	_, err = Check(Options{EngageLabOpenAPI: t.TempDir()})
	assert.Error(t, err, "a directory without OpenAPI files")
}
