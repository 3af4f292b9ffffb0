{{- define "warden.name" -}}{{ .Release.Name }}{{- end -}}

{{- define "warden.labels" -}}
app.kubernetes.io/name: warden
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- /* The egress gateway's labels (JSON): egress.selector, else Istio's default gateway's. */ -}}
{{- define "warden.egressSelector" -}}{{ .Values.egress.selector | default (dict "istio" "egressgateway") | toJson }}{{- end -}}

{{- define "warden.serviceHost" -}}{{ .Release.Name }}.{{ .Release.Namespace }}.svc.{{ .Values.trustDomain }}{{- end -}}

{{- /* The Secret's keys are files of one mounted directory (never subPath, which Kubernetes does not update). */ -}}
{{- define "warden.secretDir" -}}/etc/warden/secrets/{{ .Values.files.secretName }}{{- end -}}

{{- /* The config's file paths as `warden istio render` finds them: the value of every `file` or `…File` key (RE2, group 1), comments removed first. */ -}}
{{- define "warden.commentPattern" -}}(?m)(^|\s)#.*${{- end -}}
{{- define "warden.filePattern" -}}[\s{,](?:file|[A-Za-z0-9]*File)\s*:\s*["']?([^\s"',}\]]+){{- end -}}

{{- /* The config's documents (fromYaml of each, as a JSON list); a document that is not YAML fails the install. */ -}}
{{- define "warden.configDocs" -}}
{{- $docs := list }}
{{- range regexSplit "(?m)^---[ \t]*(#.*)?$" .Values.config -1 }}
{{- $doc := fromYaml . }}
{{- if hasKey $doc "Error" }}{{ fail (printf "the config is not YAML: %s" $doc.Error) }}{{ end }}
{{- if $doc }}{{ $docs = append $docs $doc }}{{ end }}
{{- end }}
{{- toJson $docs }}
{{- end -}}

{{- /* A path from the config as the pod sees it: relative paths resolve against the config's directory. */ -}}
{{- define "warden.inPod" -}}{{ if isAbs . }}{{ clean . }}{{ else }}{{ clean (printf "/etc/warden/%s" .) }}{{ end }}{{- end -}}

{{- /* The directories of the files Warden writes (audit.sqlite, audit.spool.dir) outside /etc/warden: each gets a writable volume, as `warden istio render` gives it (JSON list). */ -}}
{{- define "warden.stateDirs" -}}
{{- $dirs := list }}
{{- range include "warden.configDocs" . | fromJsonArray }}
{{- if eq (toString .kind) "Gateway" }}
{{- with dig "spec" "audit" "sqlite" "" . }}{{ $dirs = append $dirs (include "warden.inPod" . | dir) }}{{ end }}
{{- with dig "spec" "audit" "spool" "dir" "" . }}{{ $dirs = append $dirs (include "warden.inPod" .) }}{{ end }}
{{- end }}
{{- end }}
{{- without (uniq $dirs) "/etc/warden" | toJson }}
{{- end -}}

{{/* Seconds Warden takes at most to drain after SIGTERM: the config's spec.shutdown drainDelay + timeout. */}}
{{- define "warden.drainSeconds" -}}
{{- add .Values.shutdown.drainDelaySeconds .Values.shutdown.timeoutSeconds -}}
{{- end }}

{{- /* The audit store when the pod would keep it on its emptyDir (an SQLite or JSON lines file), as `warden istio render` finds it (src/istio/render/deployment.ts ephemeralAuditStore); empty otherwise. */ -}}
{{- define "warden.ephemeralAudit" -}}
{{- range include "warden.configDocs" . | fromJsonArray }}
{{- if eq (toString .kind) "Gateway" }}
{{- $jsonl := toString (dig "spec" "audit" "jsonl" "" .) }}
{{- with dig "spec" "audit" "sqlite" "" . }}SQLite file {{ . }}{{ else }}{{ if and $jsonl (ne $jsonl "-") }}JSON lines file {{ $jsonl }}{{ end }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{- /* MCP-Protocol-Version values whose calls carry Mcp-Method / Mcp-Name that Warden decides on alone: 2026-07-28 and later (src/mcp/jsonrpc.ts HEADERS_REVISION_PATTERN). */ -}}
{{- define "warden.mcpHeadersRevisions" -}}2026-07-(2[89]|3[01])|2026-(0[89]|1[0-2])-[0-9]{2}|(202[7-9]|20[3-9][0-9])-[0-9]{2}-[0-9]{2}{{- end -}}

{{- /* The paths of Vertex calls safe to repeat, for the mesh's retry policy: src/providers/vertex.ts VERTEX_REPEATABLE_PATHS (the chart test compares the two). */ -}}
{{- define "warden.repeatablePaths" -}}.*:(predict|rawPredict|directPredict|directRawPredict|explain|generateContent|countTokens|computeTokens|embedContent|batchEmbedContents|predictLongRunning|fetchPredictOperation|streamGenerateContent|serverStreamingPredict|streamingPredict|streamRawPredict)|.*/endpoints/[^/:]+/(chat/completions|completions|embeddings){{- end -}}
