;;; evalens-doctest.el --- Docstring examples of evalens: run them, update them  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; The `>>>' examples of a docstring run with Python's doctest in the live
;; interpreter, from the unsaved text (the server's doctest command):
;; `evalens-doctest' runs those of the docstring at point, with a prefix
;; argument those of every docstring of the buffer, and tells the outcome in
;; the echo area in one line (`✓ 3/3 examples passed', `✗ 1 of 3 failed ·
;; line 6: expected 16, got 15'), each failing example in full in
;; `*evalens-output*'.  The rest is the server's: a failing example is a
;; Flymake diagnostic on its `>>>' line; a docstring's lens (drawn by
;; evalens-lenses.el) says `Run examples', then `✓ N/N' or `✗ K of N
;; failed'; its code actions are `evalens: Run examples' (run here, so its
;; outcome is told) and the quick fixes `Update expected output' and `Update
;; all expected output in this docstring', which `eglot-code-actions'
;; applies as any edit.  `evalens-doctest-update' applies the second.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-output)
(require 'evalens-results)
(require 'evalens-lenses)
(require 'evalens-run)

(declare-function evalens--command "evalens" (role))

(defconst evalens-doctest-update-all-title "Update all expected output in this docstring"
  "The title of the server's quick fix that `evalens-doctest-update' applies.")

(defconst evalens--doctest-brief 40
  "Longest expected or printed text in the one-line outcome.")

(defun evalens--doctest-brief (text)
  "TEXT as the one-line outcome shows it.
\"nothing\" for no output, the exception's line for a traceback (doctest
writes one as `Traceback (most recent call last):', `...', its lines),
else in one line of at most `evalens--doctest-brief' characters."
  (let ((text (string-trim-right (or text ""))))
    (cond ((string-empty-p text) "nothing")
          (t (when (string-match-p "\\`Traceback (\\(most recent call last\\|innermost last\\))" text)
               (let ((last (car (last (split-string text "\n")))))
                 (unless (string-empty-p last) (setq text last))))
             (setq text (replace-regexp-in-string "[ \t\n\r\f\v]+" " " text t t))
             (if (> (length text) evalens--doctest-brief)
                 (concat (substring text 0 (1- evalens--doctest-brief)) "…")
               text)))))

(defun evalens--doctest-failures (result)
  "The failing examples of RESULT, a doctest Result, in document order."
  (cl-remove-if (lambda (example)
                  (or (eq (plist-get example :ok) t) (eq (plist-get example :skipped) t)))
                (append (plist-get result :examples) nil)))

(defun evalens-doctest-summary (result &optional whole)
  "The one-line outcome of RESULT, a doctest Result, and its face.
`✓ 3/3 examples passed' (`, 1 skipped'), `✗ 1 of 3 failed · line 12:
expected 15, got 16' (`(+1 more)' when more failed), the run's error
when the examples could not run (the module did not load, an
interrupt), or that there were none (WHOLE: the buffer has none)."
  (let* ((passed (or (plist-get result :passed) 0))
         (failed (or (plist-get result :failed) 0))
         (skipped (or (plist-get result :skipped) 0))
         (ran (+ passed failed))
         (plural (lambda (n) (if (= n 1) "" "s")))
         (skipped-text (if (> skipped 0) (format ", %d skipped" skipped) "")))
    (cond
     ((not (eq (plist-get result :ok) t))
      (let ((shown (evalens-describe result)))
        (cons (if (> ran 0)
                  (format "%s · %d example%s ran, %d failed" (car shown) ran (funcall plural ran) failed)
                (car shown))
              (cdr shown))))
     ((= ran 0)
      (cons (cond ((> skipped 0) (format "every example is skipped (%d)" skipped))
                  (whole "no docstring in this buffer has >>> examples")
                  (t "no examples ran"))
            'evalens-value-face))
     ((= failed 0)
      (cons (format "✓ %d/%d example%s passed%s" ran ran (funcall plural ran) skipped-text)
            'evalens-value-face))
     (t
      (let ((text (format "✗ %d of %d failed%s" failed ran skipped-text))
            (first (car (evalens--doctest-failures result))))
        (when first
          (setq text (format "%s · line %d: expected %s, got %s" text (1+ (or (plist-get first :line) 0))
                             (evalens--doctest-brief (plist-get first :want))
                             (evalens--doctest-brief (plist-get first :got))))
          (when (> failed 1)
            (setq text (format "%s (+%d more)" text (1- failed)))))
        (cons text 'evalens-error-face))))))

(defun evalens--doctest-block (text prefix)
  "Every line of TEXT after PREFIX; \"(nothing)\" for no text."
  (let ((text (string-remove-suffix "\n" (or text ""))))
    (if (string-empty-p text)
        (concat prefix "(nothing)\n")
      (mapconcat (lambda (line) (concat prefix line "\n")) (split-string text "\n") ""))))

(defun evalens-doctest-details (result)
  "Each failing example of RESULT in full, for `*evalens-output*'.
Its line and source, what it expected, what it printed, and the
traceback when it raised."
  (mapconcat
   (lambda (example)
     (concat (format "line %d: >>> %s\n" (1+ (or (plist-get example :line) 0))
                     (replace-regexp-in-string
                      "\n" "\n... " (string-remove-suffix "\n" (or (plist-get example :source) "")) t t))
             "  expected:\n" (evalens--doctest-block (plist-get example :want) "    ")
             "  got:\n" (evalens--doctest-block (plist-get example :got) "    ")
             (let ((traceback (plist-get example :traceback)))
               (if (and (stringp traceback) (not (string-empty-p traceback)))
                   (evalens--doctest-block traceback "  ")
                 ""))))
   (evalens--doctest-failures result) ""))

(defun evalens--doctest-error-text (err line)
  "The message for ERR, the server's refusal of a run from 0-based LINE."
  (let ((data (plist-get err :data)))
    (if (not (equal (plist-get data :reason) "noDocstring"))
        (evalens-error-text err)
      (let ((starts (mapcar (lambda (first) (number-to-string (1+ first))) (plist-get data :docstrings))))
        (if starts
            (format "evalens: line %d is in no docstring with >>> examples; they start at line%s %s"
                    (1+ line) (if (cdr starts) "s" "") (string-join starts ", "))
          "evalens: no docstring in this buffer has >>> examples")))))

(defun evalens--doctest-run (line &optional callback)
  "Run the examples of the docstring holding 0-based LINE (nil: every one).
The outcome is told in the echo area and, with each failing example, in
`*evalens-output*'.  CALLBACK, when non-nil, is called with the Result."
  (evalens--server)                     ; a server that runs, or nothing is shown
  (let* ((buffer (current-buffer))
         (run (cons (format "examples %s%s" (buffer-name) (if line (format ":%d" (1+ line)) "")) nil))
         (argument (list :uri (evalens--uri))))
    (when line (setq argument (plist-put argument :line line)))
    (setq evalens--runs (append evalens--runs (list run)))
    (evalens-execute
     (evalens--command 'doctest) argument
     (lambda (result)
       (setq evalens-last-result result)
       (evalens--arrived result)
       (let ((summary (car (evalens-doctest-summary result (null line))))
             (details (evalens-doctest-details result)))
         (evalens--write-header run)
         (when evalens--output-partial (evalens--output-insert "\n"))
         (evalens--output-insert (concat details summary "\n"))
         (evalens--end-run run result)
         (message "evalens: %s" summary))
       (when (buffer-live-p buffer)
         (with-current-buffer buffer (evalens-refresh-lenses)))
       (when callback (funcall callback result)))
     (lambda (err)
       (evalens--end-run run nil)
       (message "%s" (evalens--doctest-error-text err (or line 0)))))))

(defun evalens-doctest (&optional whole)
  "Run the `>>>' examples of the docstring at point; WHOLE: of every docstring.
At point means any line from the `def' (decorators included) or `class'
line to the closing quotes.  Interactively WHOLE is the prefix argument.
The outcome is told in the echo area; a failing example is also a
diagnostic on its `>>>' line, and in full in `*evalens-output*'."
  (interactive "P")
  (evalens--doctest-run (unless whole (1- (line-number-at-pos nil t)))))

(defun evalens--doctest-edits (edit)
  "How many text edits the WorkspaceEdit EDIT makes."
  (+ (cl-loop for change across (or (plist-get edit :documentChanges) [])
              sum (length (plist-get change :edits)))
     (cl-loop for (_uri edits) on (plist-get edit :changes) by #'cddr
              sum (length edits))))

(defun evalens-doctest-update ()
  "Make the failing examples of the docstring at point expect their output.
The server's quick fix `Update all expected output in this docstring',
from the docstring's last run (`evalens-doctest').  `eglot-code-actions'
offers it too, and `Update expected output' for the example at point."
  (interactive)
  (let* ((server (evalens--server))
         (line (1- (line-number-at-pos nil t)))
         (at (list :line line :character 0))
         (actions (progn
                    (eglot--signal-textDocument/didChange)
                    (jsonrpc-request server :textDocument/codeAction
                                     (list :textDocument (eglot--TextDocumentIdentifier)
                                           :range (list :start at :end at)
                                           :context (list :diagnostics [])))))
         (action (cl-find-if (lambda (action)
                               (and (equal (plist-get action :title) evalens-doctest-update-all-title)
                                    (plist-get action :edit)))
                             actions))
         (in-docstring (cl-some (lambda (action)
                                  (equal (plist-get action :command) (evalens--command 'doctest)))
                                actions)))
    (cond (action
           (eglot--apply-workspace-edit (plist-get action :edit))
           (let ((count (evalens--doctest-edits (plist-get action :edit))))
             (message "evalens: updated the expected output of %d example%s" count (if (= count 1) "" "s"))))
          ((not in-docstring)
           (message "evalens: line %d is in no docstring with >>> examples" (1+ line)))
          (t (message "evalens: no failing example to update here; M-x evalens-doctest runs the examples")))))

(evalens--define-client-command 'doctest
  (lambda (argument)
    (let ((line (plist-get argument :line)))
      (evalens--doctest-run (and (integerp line) line)))))

(provide 'evalens-doctest)
;;; evalens-doctest.el ends here
