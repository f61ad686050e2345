;;; evalens.el --- Run Python where you write it, with the evalens language server  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, python, tools
;; URL: https://github.com/evalens/evalens

;;; Commentary:

;; A minor mode on eglot for evalens, a Python language server that keeps a
;; live interpreter beside the editor.  Evaluate the region or line, call a
;; function, run the file: the value (or the error) appears as an overlay
;; after the code, output streams into `*evalens-output*', the exception of a
;; failed run is a Flymake diagnostic on its line, and a runaway evaluation is
;; one key from interrupted.  A run that brought code up to date (re-ran or
;; patched some of it) makes every result shown before it stale: dimmed, with
;; " (stale)" after it, until it runs again.  Every request is asynchronous.
;;
;;   (require 'evalens)
;;   (setq evalens-trusted t)   ; only for code you trust: it runs
;;   (evalens-setup)            ; python-mode buffers: eglot + evalens-mode
;;
;; Keys under `evalens-mode' (prefix C-c .):
;;   e  evaluate region or line       c  call a function
;;   l  run the code lens of the line r  run the file as __main__
;;   i  interrupt                     R  restart the interpreter
;;   o  show *evalens-output*         k  clear results

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)

(defgroup evalens nil
  "Run Python code beside the editor with the evalens language server."
  :group 'tools
  :prefix "evalens-")

(defcustom evalens-command '("python3" "-m" "evalens")
  "How to start the evalens server: a program and its arguments.
The Python must have evalens installed."
  :type '(repeat string))

(defcustom evalens-trusted nil
  "Non-nil lets evalens run code.  Nothing is executed unless this is set.
Set it only for code you trust."
  :type 'boolean)

(defcustom evalens-settings nil
  "Other evalens settings, as a plist, e.g. (:limits (:memoryMB 1024)).
Sent as initializationOptions and as the `evalens' configuration section."
  :type 'plist)

(defcustom evalens-modes '(python-mode python-ts-mode)
  "Major modes whose buffers evalens serves."
  :type '(repeat symbol))

(defcustom evalens-max-width 120
  "Longest result shown in an overlay; longer values go to `*evalens-output*'."
  :type 'integer)

(defcustom evalens-show-lenses t
  "Non-nil shows the server's code lenses above functions.
They are refreshed after each run and on save."
  :type 'boolean)

(defface evalens-value-face '((t :inherit shadow))
  "Face of a result overlay.")

(defface evalens-error-face '((t :inherit error))
  "Face of an error overlay.")

(defface evalens-pending-face '((t :inherit shadow :slant italic))
  "Face of the marker shown while code runs.")

(defface evalens-stale-face '((t :inherit shadow :slant italic))
  "Face of a result that may be out of date.
A later run re-ran or patched code it may have used.")

(defface evalens-lens-face '((t :inherit shadow :height 0.9))
  "Face of code lens titles.")

(defconst evalens-output-buffer-name "*evalens-output*")

(defconst evalens-server-commands
  '((eval . "evalens.eval")
    (call . "evalens.call")
    (run-module . "evalens.runModule")
    (interrupt . "evalens.interrupt")
    (restart . "evalens.restart")
    (status . "evalens.status"))
  "The evalens server commands this mode sends, by role.
They go through workspace/executeCommand.  tests/editors/test_contract.py
fails when a name here is not the server's.")

(defun evalens--command (role)
  "The name of the server command of ROLE (a key of `evalens-server-commands')."
  (or (alist-get role evalens-server-commands)
      (error "evalens: no server command for %s" role)))

(defconst evalens-value-glyph "⇒" "Before a value in a result overlay.")
(defconst evalens-done-glyph "✓"
  "A run that finished without a value.
What it printed is output, not the result.")
(defconst evalens-failed-glyph "✗" "Before a failure in a result overlay.")
(defconst evalens-stale-suffix " (stale)"
  "After the text of a result shown before a run that brought code up to date.")

(defvar evalens--generation 0
  "How many runs so far brought code up to date.
A result from before the last of them is stale.")

(defvar evalens-last-result nil
  "The last Result received, as a plist (for scripts and tests).")

;;; Server registration

(defclass evalens-server (eglot-lsp-server) ()
  :documentation "An eglot server for evalens.")

(defun evalens--settings ()
  "The evalens settings as a plist suitable for JSON."
  (append (list :trusted (if evalens-trusted t :json-false))
          (cl-loop for (key value) on evalens-settings by #'cddr
                   unless (eq key :trusted) append (list key value))))

(defun evalens--contact (&optional _interactive)
  "The eglot contact for evalens."
  `(evalens-server ,@evalens-command
                   :initializationOptions ,(lambda (_server) (evalens--settings))))

;;;###autoload
(defun evalens-register ()
  "Make evalens the eglot server of `evalens-modes'."
  (setq eglot-server-programs
        (cl-remove-if (lambda (entry) (eq (cdr entry) #'evalens--contact)) eglot-server-programs))
  (push (cons evalens-modes #'evalens--contact) eglot-server-programs))

;;;###autoload
(defun evalens-setup ()
  "Register evalens with eglot and turn on `evalens-mode' in Python buffers."
  (evalens-register)
  (dolist (mode evalens-modes)
    (add-hook (intern (format "%s-hook" mode)) #'evalens-mode)))

(cl-defmethod eglot-handle-request
  ((_server evalens-server) (_method (eql workspace/configuration)) &key items)
  "Answer the `evalens' section from `evalens-settings'.
A project's own `eglot-workspace-configuration' takes precedence."
  (let ((answers (cl-call-next-method)))
    (apply #'vector
           (cl-loop for item across items
                    for answer across answers
                    collect (if (and (null answer) (equal (plist-get item :section) "evalens"))
                                (evalens--settings)
                              answer)))))

(cl-defmethod eglot-handle-notification
  ((_server evalens-server) (_method (eql evalens/output)) &key uri stream text &allow-other-keys)
  "Stream output of the running code into `*evalens-output*'."
  (ignore uri stream)
  (evalens--output-append text))

;;; Output buffer

(defvar evalens--runs nil
  "Runs sent and not yet answered, oldest first: (HEADER . WRITTEN).
The server runs them one at a time, in order, and streams a run's
output before answering it, so output belongs to the first.")

(defvar evalens--output-partial nil
  "Non-nil when the output buffer does not end with a newline.")

(defun evalens-output-buffer ()
  "The `*evalens-output*' buffer, created when needed."
  (or (get-buffer evalens-output-buffer-name)
      (with-current-buffer (get-buffer-create evalens-output-buffer-name)
        (setq buffer-undo-list t)
        (special-mode)
        (current-buffer))))

(defun evalens--output-insert (text)
  (when (and text (not (string-empty-p text)))
    (with-current-buffer (evalens-output-buffer)
      (let ((inhibit-read-only t)
            (windows (get-buffer-window-list (current-buffer) nil t)))
        (goto-char (point-max))
        (insert text)
        (setq evalens--output-partial (not (string-suffix-p "\n" text)))
        (dolist (window windows)
          (set-window-point window (point-max)))))))

(defun evalens--write-header (run)
  (when (and run (not (cdr run)))
    (when evalens--output-partial (evalens--output-insert "\n"))
    (evalens--output-insert (concat "── " (car run) "\n"))
    (setcdr run t)))

(defun evalens--output-append (text)
  "Append streamed TEXT, under the header of the oldest unfinished run."
  (when (and text (not (string-empty-p text)))
    (evalens--write-header (car evalens--runs))
    (evalens--output-insert text)))

(defun evalens--end-run (run result)
  "RUN ended with RESULT: its traceback or long value go to the output buffer."
  (let ((add (lambda (text)
               (evalens--write-header run)
               (when evalens--output-partial (evalens--output-insert "\n"))
               (evalens--output-insert text)))
        (err (and (listp result) (plist-get result :error)))
        (value (and (listp result) (plist-get result :value))))
    (cond ((and err (not (string-empty-p (or (plist-get err :traceback) ""))))
           (funcall add (plist-get err :traceback)))
          ((and value (let ((repr (or (plist-get value :repr) "")))
                        (or (> (length repr) evalens-max-width) (string-match-p "\n" repr))))
           (funcall add (concat (plist-get value :repr) "\n")))))
  (setq evalens--runs (delq run evalens--runs)))

(defun evalens-show-output ()
  "Show `*evalens-output*'."
  (interactive)
  (display-buffer (evalens-output-buffer)))

;;; Result overlays

(defun evalens--one-line (text)
  "TEXT in one line of at most `evalens-max-width' characters.
ASCII whitespace runs fold to one space, the ends are trimmed, and longer
text keeps `evalens-max-width' - 1 characters and an ellipsis: the rule
every evalens client follows (tests/fixtures/inline_results.json)."
  (let* ((folded (replace-regexp-in-string "[ \t\n\r\f\v]+" " " (or text "") t t))
         (line (string-trim folded " " " ")))
    (if (> (length line) evalens-max-width)
        (concat (substring line 0 (1- evalens-max-width)) "…")
      line)))

(defun evalens-describe (result)
  "The overlay text and face for RESULT (a Result plist).
`⇒ repr' for a value, `✓' for a run without one, `✗ Type: message'
for a failure."
  (cond ((or (null result) (eq (plist-get result :ok) t))
         (let ((value (plist-get result :value)))
           (if value
               (cons (concat evalens-value-glyph " " (evalens--one-line (plist-get value :repr)))
                     'evalens-value-face)
             (cons evalens-done-glyph 'evalens-value-face))))
        (t
         (let* ((err (plist-get result :error))
                (type (plist-get err :type))
                (type (if (or (not (stringp type)) (string-empty-p type)) "Error" type))
                (message (or (plist-get err :message) "")))
           (cons (concat evalens-failed-glyph " "
                         (evalens--one-line (if (string-empty-p message) type (concat type ": " message))))
                 'evalens-error-face)))))

(defun evalens--overlays-on-line (pos)
  (save-excursion
    (goto-char pos)
    (cl-remove-if-not (lambda (ov) (overlay-get ov 'evalens))
                      (overlays-in (line-beginning-position) (1+ (line-end-position))))))

(defun evalens--set-text (ov text face)
  "Make the overlay OV show TEXT in FACE."
  (overlay-put ov 'evalens-text text)
  (overlay-put ov 'evalens-face face)
  (overlay-put ov 'after-string (concat " " (propertize text 'face face))))

(defun evalens--show (pos text face)
  "Show TEXT in FACE at the end of the line holding POS; return the overlay."
  (save-excursion
    (goto-char pos)
    (mapc #'delete-overlay (evalens--overlays-on-line pos))
    (let ((ov (make-overlay (line-end-position) (line-end-position) nil t nil)))
      (overlay-put ov 'evalens t)
      (evalens--set-text ov text face)
      ov)))

(defun evalens-reloads-code-p (result)
  "Non-nil when RESULT's run brought code up to date by running or patching some.
That is an entry of its `reloaded' (any module) with `patched' or `rerun'."
  (cl-some (lambda (entry)
             (or (> (length (plist-get entry :patched)) 0)
                 (> (length (plist-get entry :rerun)) 0)))
           (and (listp result) (plist-get result :reloaded))))

(defun evalens--mark-stale ()
  "Make every result shown, in every buffer, stale.
The marker of a run in progress stays as it is."
  (dolist (buffer (buffer-list))
    (with-current-buffer buffer
      (save-restriction
        (widen)
        (dolist (ov (overlays-in (point-min) (point-max)))
          (when (and (overlay-get ov 'evalens)
                     (not (memq (overlay-get ov 'evalens-face) '(evalens-pending-face evalens-stale-face))))
            (evalens--set-text ov (concat (overlay-get ov 'evalens-text) evalens-stale-suffix)
                               'evalens-stale-face)))))))

(defun evalens--arrived (result)
  "RESULT arrived: if its run brought code up to date, results shown go stale.
Return the generation it arrived in: it is shown stale if a later run
brought code up to date before it is shown."
  (when (evalens-reloads-code-p result)
    (setq evalens--generation (1+ evalens--generation))
    (evalens--mark-stale))
  evalens--generation)

(defun evalens-result-at (pos)
  "The text of the result shown on the line holding POS, or nil."
  (when-let ((ov (car (evalens--overlays-on-line pos))))
    (overlay-get ov 'evalens-text)))

(defun evalens-clear ()
  "Remove the results shown in this buffer."
  (interactive)
  (remove-overlays (point-min) (point-max) 'evalens t))

;;; Requests

(defun evalens--server ()
  (or (eglot-current-server)
      (user-error "evalens: this buffer is not managed by an evalens server (M-x eglot)")))

(defun evalens--uri ()
  (plist-get (eglot--TextDocumentIdentifier) :uri))

(defun evalens-execute (command argument &optional on-result on-error)
  "Send workspace/executeCommand COMMAND with ARGUMENT, asynchronously.
ON-RESULT gets the result, ON-ERROR the JSON-RPC error plist."
  (let ((server (evalens--server)))
    (eglot--signal-textDocument/didChange)
    (jsonrpc-async-request
     server :workspace/executeCommand
     (list :command command :arguments (vector argument))
     :success-fn (lambda (result) (when on-result (funcall on-result result)))
     :error-fn (lambda (err)
                 (if on-error (funcall on-error err)
                   (message "evalens: %s" (plist-get err :message))))
     :timeout nil)))

(defun evalens--lens-shows-p (pos target)
  "Non-nil when a lens above the line of POS calls TARGET.
Its title then shows the result."
  (and evalens-show-lenses
       (save-excursion
         (goto-char pos)
         (cl-some (lambda (ov)
                    (let ((argument (overlay-get ov 'evalens-lens-argument)))
                      (equal (plist-get argument :target) target)))
                  (overlays-in (line-beginning-position) (1+ (line-beginning-position)))))))

(defun evalens--run (pos command argument header &optional locate)
  "Run COMMAND with ARGUMENT; show the Result at the end of the line of POS.
LOCATE, when non-nil, is called with a function to call with a better
position (the called function's line, from the server) or nil: the command
is sent at once, and its Result waits for that position if need be."
  (let* ((buffer (current-buffer))
         (marker (copy-marker pos))
         (run (cons header nil))
         (located (null locate))
         (failed nil)
         (answered nil)
         (answer nil)
         (generation nil)
         (ov (and located (evalens--show pos "⋯" 'evalens-pending-face)))
         (finish
          (lambda (result)
            (when (buffer-live-p buffer)
              (with-current-buffer buffer
                (when ov (delete-overlay ov))
                (unless (and (equal command (evalens--command 'call))
                             (evalens--lens-shows-p marker (plist-get argument :target)))
                  (let ((shown (evalens-describe result)))
                    (if (< generation evalens--generation)
                        (evalens--show marker (concat (car shown) evalens-stale-suffix) 'evalens-stale-face)
                      (evalens--show marker (car shown) (cdr shown)))))
                (evalens-refresh-lenses))))))
    (setq evalens--runs (append evalens--runs (list run)))
    (when locate
      (funcall locate
               (lambda (found)
                 (when (and found (buffer-live-p buffer)) (set-marker marker found buffer))
                 (setq located t)
                 (cond (answered (funcall finish answer))
                       ((and (not failed) (buffer-live-p buffer))
                        (with-current-buffer buffer
                          (setq ov (evalens--show marker "⋯" 'evalens-pending-face))))))))
    (evalens-execute
     command argument
     (lambda (result)
       (setq evalens-last-result result)
       ;; At once, before the position is known: later Results may arrive meanwhile.
       (setq generation (evalens--arrived result))
       (evalens--end-run run result)
       (setq answered t
             answer result)
       (when located (funcall finish result)))
     (lambda (err)
       (setq failed t)
       (evalens--end-run run nil)
       (when ov (delete-overlay ov))
       (message "evalens: %s" (plist-get err :message))))))

;;; Functions, from the server's document symbols

(defconst evalens--class-kind 5 "LSP SymbolKind of a class.")
(defconst evalens--function-kind 12 "LSP SymbolKind of a function.")
(defconst evalens--callable-kinds '(5 6 12) "LSP SymbolKind of a class, a method, a function.")

(defun evalens--symbol-line (symbol)
  "The 0-based line of the name of SYMBOL (a DocumentSymbol plist)."
  (plist-get (plist-get (or (plist-get symbol :selectionRange) (plist-get symbol :range)) :start) :line))

(defun evalens--callables (symbols &optional nested)
  "Functions, classes and methods in SYMBOLS, depth first.
SYMBOLS is a documentSymbol answer.  Each is (TARGET KIND LINE): TARGET
dotted (\"Counter.incr\"), LINE 0-based.  NESTED non-nil: also what is
defined inside functions (not callable by name)."
  (let (found)
    (cl-labels ((walk (list prefix)
                  (dolist (symbol (append list nil))
                    (let ((kind (plist-get symbol :kind)))
                      (when (memql kind evalens--callable-kinds)
                        (let ((target (concat prefix (plist-get symbol :name))))
                          (push (list target kind (evalens--symbol-line symbol)) found)
                          (when (or nested (eql kind evalens--class-kind))
                            (walk (plist-get symbol :children) (concat target ".")))))))))
      (walk symbols ""))
    (nreverse found)))

(defun evalens--symbol-name (target)
  "The last dotted part of TARGET."
  (string-trim (car (last (split-string target "\\.")))))

(defun evalens--find-symbol (symbols target)
  "The 0-based line where TARGET is defined, according to SYMBOLS, or nil.
The symbol of that dotted name (\"Counter.incr\"), else the first function,
method or class named like its last part."
  (let ((all (evalens--callables symbols t))
        (target (string-trim target)))
    (or (nth 2 (assoc target all))
        (let ((name (evalens--symbol-name target)))
          (and (not (string-empty-p name))
               (nth 2 (cl-find-if (lambda (c) (equal (evalens--symbol-name (car c)) name)) all)))))))

(defun evalens--document-symbols-params ()
  (eglot--signal-textDocument/didChange)
  (list :textDocument (eglot--TextDocumentIdentifier)))

(defun evalens--locate (target callback)
  "Ask the server where TARGET is defined in this buffer, asynchronously.
CALLBACK gets the position of the start of that line, or nil."
  (let ((buffer (current-buffer))
        (server (eglot-current-server)))
    (if (not server)
        (funcall callback nil)
      (jsonrpc-async-request
       server :textDocument/documentSymbol (evalens--document-symbols-params)
       :success-fn (lambda (symbols)
                     (funcall callback
                              (when (buffer-live-p buffer)
                                (with-current-buffer buffer
                                  (when-let ((line (evalens--find-symbol symbols target)))
                                    (save-excursion
                                      (goto-char (point-min))
                                      (forward-line line)
                                      (point)))))))
       :error-fn (lambda (_err) (funcall callback nil))
       :timeout nil))))

(defun evalens--function-names ()
  "The top-level functions of this buffer (the server's document symbols)."
  (when-let ((server (eglot-current-server)))
    (let ((symbols (ignore-errors
                     (jsonrpc-request server :textDocument/documentSymbol (evalens--document-symbols-params)
                                      :timeout 2))))
      (cl-loop for (target kind _line) in (evalens--callables symbols)
               when (and (eql kind evalens--function-kind) (not (string-match-p "\\." target)))
               collect target))))

;;; Commands

(defun evalens-eval-region (beg end)
  "Evaluate the region from BEG to END.
Without an active region, evaluate the current line."
  (interactive (if (use-region-p)
                   (list (region-beginning) (region-end))
                 (list (line-beginning-position) (line-end-position))))
  (when (and (> end beg) (save-excursion (goto-char end) (bolp)))
    (setq end (1- end)))         ; a region of whole lines ends on the last of them
  (let ((range (list :start (eglot--pos-to-lsp-position beg)
                     :end (eglot--pos-to-lsp-position end)))
        (first (line-number-at-pos beg))
        (last (line-number-at-pos end)))
    (deactivate-mark)
    (evalens--run end (evalens--command 'eval) (list :uri (evalens--uri) :range range)
                  (format "eval %s:%s" (buffer-name)
                          (if (= first last) first (format "%s-%s" first last))))))

(defun evalens-eval-line ()
  "Evaluate the current line."
  (interactive)
  (evalens-eval-region (line-beginning-position) (line-end-position)))

(defun evalens-call (target &optional args)
  "Call TARGET (a dotted name or expression naming a callable) with ARGS.
ARGS is Python source of an argument list, such as \"3, key=2\"."
  (interactive
   (let ((target (completing-read "evalens call: " (evalens--function-names) nil nil)))
     (list target (read-string (format "%s(" target)))))
  (let ((argument (list :uri (evalens--uri) :target target)))
    (when (and args (not (string-empty-p args)))
      (setq argument (plist-put argument :args args)))
    ;; Shown after the line of the function's `def', else after the line of point.
    (evalens--run (point) (evalens--command 'call) argument (format "call %s(%s)" target (or args ""))
                  (lambda (found) (evalens--locate target found)))))

(defun evalens-run-module ()
  "Run this file as __main__; the Result is shown on its last line."
  (interactive)
  (evalens--run (point-max) (evalens--command 'run-module) (list :uri (evalens--uri))
                (format "run %s" (buffer-name))))

(defun evalens-interrupt ()
  "Interrupt the running evaluation (KeyboardInterrupt in the interpreter)."
  (interactive)
  (evalens-execute (evalens--command 'interrupt) (make-hash-table)
                   (lambda (result)
                     (message (if (eq (plist-get result :interrupted) t)
                                  "evalens: interrupted"
                                "evalens: nothing is running")))))

(defun evalens-restart ()
  "Restart the interpreter: a fresh session, results cleared."
  (interactive)
  (let ((buffers (and (eglot-current-server) (eglot--managed-buffers (eglot-current-server)))))
    (evalens-execute (evalens--command 'restart) (make-hash-table)
                     (lambda (result)
                       (dolist (buffer buffers)
                         (when (buffer-live-p buffer)
                           (with-current-buffer buffer (evalens-clear))))
                       (message "evalens: interpreter restarted (pid %s)" (plist-get result :pid))))))

(defun evalens-status ()
  "Show the interpreter's state."
  (interactive)
  (evalens-execute (evalens--command 'status) (make-hash-table)
                   (lambda (result)
                     (message "evalens: %s, pid %s, %s" (plist-get result :state)
                              (plist-get result :pid) (plist-get result :python)))))

;;; Code lenses (eglot 1.9 has no lens UI: evalens draws them above the line)

(defun evalens--clear-lenses ()
  (remove-overlays (point-min) (point-max) 'evalens-lens t))

(defun evalens--show-lenses (lenses)
  (evalens--clear-lenses)
  (when evalens-show-lenses
    (save-excursion
      (cl-loop for lens across lenses
               for command = (plist-get lens :command)
               for line = (plist-get (plist-get (plist-get lens :range) :start) :line)
               when command do
               (goto-char (point-min))
               (forward-line line)
               (let ((ov (make-overlay (point) (point) nil nil nil))
                     (indent (make-string (current-indentation) ?\s)))
                 (overlay-put ov 'evalens-lens t)
                 (overlay-put ov 'evalens-lens-title (plist-get command :title))
                 (overlay-put ov 'evalens-lens-command (plist-get command :command))
                 (overlay-put ov 'evalens-lens-argument (aref (plist-get command :arguments) 0))
                 (overlay-put ov 'before-string
                              (concat indent (propertize (plist-get command :title) 'face 'evalens-lens-face)
                                      "\n")))))))

(defun evalens-refresh-lenses ()
  "Ask the server for this buffer's code lenses and show them (asynchronously)."
  (interactive)
  (when-let ((server (and evalens-show-lenses (eglot-managed-p) (eglot-current-server))))
    (let ((buffer (current-buffer)))
      (jsonrpc-async-request
       server :textDocument/codeLens
       (list :textDocument (eglot--TextDocumentIdentifier))
       :success-fn (lambda (lenses)
                     (when (buffer-live-p buffer)
                       (with-current-buffer buffer (evalens--show-lenses (or lenses [])))))
       :error-fn #'ignore
       :timeout nil))))

(defun evalens-lenses ()
  "The lenses shown in this buffer: a list of (LINE TITLE), LINE 1-based."
  (cl-loop for ov in (overlays-in (point-min) (point-max))
           when (overlay-get ov 'evalens-lens)
           collect (list (line-number-at-pos (overlay-start ov)) (overlay-get ov 'evalens-lens-title))))

(defun evalens-run-lens ()
  "Run the code lens of the current line (the function defined on it)."
  (interactive)
  (let ((ov (cl-find-if (lambda (ov) (overlay-get ov 'evalens-lens))
                        (overlays-in (line-beginning-position) (1+ (line-beginning-position))))))
    (unless ov
      (user-error "evalens: no code lens on this line"))
    (let ((argument (overlay-get ov 'evalens-lens-argument)))
      (evalens--run (line-beginning-position) (overlay-get ov 'evalens-lens-command) argument
                    (format "call %s()" (plist-get argument :target))))))

;;; Minor mode

(defvar evalens-command-map
  (let ((map (make-sparse-keymap)))
    (define-key map "e" #'evalens-eval-region)
    (define-key map "c" #'evalens-call)
    (define-key map "l" #'evalens-run-lens)
    (define-key map "r" #'evalens-run-module)
    (define-key map "i" #'evalens-interrupt)
    (define-key map "R" #'evalens-restart)
    (define-key map "s" #'evalens-status)
    (define-key map "o" #'evalens-show-output)
    (define-key map "k" #'evalens-clear)
    map)
  "Keymap of evalens commands, under C-c . in `evalens-mode'.")
(fset 'evalens-command-map evalens-command-map)

(defvar evalens-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c .") 'evalens-command-map)
    map)
  "Keymap of `evalens-mode'.")

(defun evalens--managed ()
  "Eglot starts or stops managing the buffer: show or remove the lenses."
  (if (eglot-managed-p)
      (evalens-refresh-lenses)
    (evalens--clear-lenses)))

;;;###autoload
(define-minor-mode evalens-mode
  "Run Python beside the editor with evalens (eglot manages the server).

\\{evalens-mode-map}"
  :lighter " evalens"
  :keymap evalens-mode-map
  (cond
   (evalens-mode
    (evalens-register)
    (add-hook 'eglot-managed-mode-hook #'evalens--managed nil t)
    (add-hook 'after-save-hook #'evalens-refresh-lenses nil t)
    (if (eglot-current-server)
        (evalens-refresh-lenses)
      (eglot-ensure)))
   (t
    (remove-hook 'eglot-managed-mode-hook #'evalens--managed t)
    (remove-hook 'after-save-hook #'evalens-refresh-lenses t)
    (evalens-clear)
    (evalens--clear-lenses))))

(provide 'evalens)
;;; evalens.el ends here
