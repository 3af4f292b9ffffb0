{{- define "warden.name" -}}{{ .Release.Name }}{{- end -}}

{{- define "warden.labels" -}}
app.kubernetes.io/name: warden
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "warden.serviceHost" -}}{{ .Release.Name }}.{{ .Release.Namespace }}.svc.{{ .Values.trustDomain }}{{- end -}}

{{- /* The Secret's keys are files of one mounted directory (never subPath, which Kubernetes does not update). */ -}}
{{- define "warden.secretDir" -}}/etc/warden/secrets/{{ .Values.files.secretName }}{{- end -}}

{{- /* The config's file paths as `warden istio render` finds them: the value of every `file` or `…File` key (RE2, group 1), comments removed first. */ -}}
{{- define "warden.commentPattern" -}}(?m)(^|\s)#.*${{- end -}}
{{- define "warden.filePattern" -}}[\s{,](?:file|[A-Za-z0-9]*File)\s*:\s*["']?([^\s"',}\]]+){{- end -}}
