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

(defcustom evalens-command '("evalens")
  "How to start the evalens server: a program and its arguments.
The default is the `evalens' executable that `pipx install .' (run in
the evalens clone) puts on PATH, found through `exec-path'.  Set it when
evalens is installed elsewhere, e.g. (\"/opt/evalens/bin/evalens\") or
(\"python3\" \"-m\" \"evalens\") for a Python that has evalens installed."
  :type '(repeat string))

(defcustom evalens-trusted nil
  "Non-nil lets evalens run code.  Nothing is executed unless this is set.
Set it only for code you trust.  Set with Customize or
(customize-set-variable \='evalens-trusted t), running servers learn it
at once; a plain setq counts for servers started after it."
  :type 'boolean
  :initialize #'custom-initialize-default
  :set #'evalens--set-trusted)

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

(defface evalens-interrupted-face '((t :inherit font-lock-comment-face))
  "Face of a run you interrupted (\"✗ KeyboardInterrupt\").
Not an error in the code: neutral, unlike `evalens-error-face'.")

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

;;; When the server cannot start or dies: its own words and the fix

(defconst evalens-install-hint
  "Install it: pipx install . in the evalens clone, or set evalens-command."
  "The fix shown when the server cannot start.")

(defconst evalens--stderr-lines 5
  "How many of the server's last stderr lines a report shows.")

(defvar evalens--last-exit nil
  "What the user was last told about a server that exited unexpectedly.")

(defun evalens--stderr-tail (server)
  "The last lines SERVER wrote on stderr, each indented, or nil.
eglot keeps them in the hidden buffer \" *EGLOT (...) stderr*\"; what the
process wrote just before it exited is read first."
  (when-let ((buffer (ignore-errors (jsonrpc-stderr-buffer server))))
    (when (buffer-live-p buffer)
      (let ((pipe (get-buffer-process buffer))
            (deadline (+ (float-time) 1.0)))
        (while (and pipe (process-live-p pipe) (< (float-time) deadline)
                    (accept-process-output pipe 0.05 nil t))))
      (with-current-buffer buffer
        (let ((lines (cl-remove-if (lambda (line) (string-blank-p line))
                                   (split-string (buffer-substring-no-properties (point-min) (point-max))
                                                 "\n"))))
          (when lines
            (mapconcat (lambda (line) (concat "  " (string-trim-right line)))
                       (last lines evalens--stderr-lines) "\n")))))))

(defun evalens--exit-text (server process)
  "What to tell the user when PROCESS, SERVER's, exited unexpectedly."
  (let ((how (if (eq (process-status process) 'signal)
                 (format "was killed by signal %d" (process-exit-status process))
               (format "exited with code %d" (process-exit-status process))))
        (tail (evalens--stderr-tail server))
        (started (and (slot-boundp server 'capabilities) (eglot--capabilities server))))
    (concat "evalens: the server " how
            (if tail (concat ":\n" tail) " and wrote nothing on stderr")
            "\n"
            (if started
                "Its log: M-x eglot-events-buffer; M-x eglot starts it again."
              evalens-install-hint))))

(defun evalens--carry-exit-text (server text)
  "Make the requests still waiting on SERVER fail with TEXT, not \"Server died\".
jsonrpc answers them (:code -1 :message \"Server died\"); eglot shows that
as \"[eglot] -1: Server died\" when the server dies while it connects."
  (let ((table (ignore-errors (jsonrpc--request-continuations server))))
    (when (hash-table-p table)
      (maphash (lambda (_id triplet)
                 (let ((on-error (and (consp triplet) (consp (cdr triplet)) (nth 1 triplet))))
                   (when (functionp on-error)
                     (setf (nth 1 triplet)
                           (lambda (err)
                             (funcall on-error (if (eql (plist-get err :code) -1)
                                                   (list :code -1 :message text)
                                                 err)))))))
               table))))

(defun evalens--report-exit (server process)
  "Why PROCESS, SERVER's, ended: computed once, kept on PROCESS and returned."
  (or (process-get process 'evalens-exit)
      (let ((text (evalens--exit-text server process)))
        (process-put process 'evalens-exit text)
        (setq evalens--last-exit text))))

(defun evalens--watch-exit (server)
  "A process sentinel wrapper that tells why SERVER's process ended."
  (lambda (sentinel process change)
    (if (or (process-live-p process) (eglot--shutdown-requested server))
        (funcall sentinel process change)
      (let* ((told (process-get process 'evalens-exit))
             (text (evalens--report-exit server process)))
        (evalens--carry-exit-text server text)
        (unwind-protect (funcall sentinel process change)
          (unless told (message "%s" text)))))))

(defvar evalens--starting nil
  "The evalens server made by the last connection attempt.")

(cl-defmethod initialize-instance :around ((server evalens-server) &optional _slots)
  "Start SERVER's process; a missing program says how to install evalens."
  (condition-case err
      (cl-call-next-method)
    (file-missing
     (error "evalens: cannot start the server: %s is not on exec-path\n%s"
            (car (last err)) evalens-install-hint)))
  (setq evalens--starting server)
  (let ((process (jsonrpc--process server)))
    (when (processp process)
      (add-function :around (process-sentinel process) (evalens--watch-exit server))))
  ;; The stderr pipe's default sentinel writes "Process ... stderr finished" among the
  ;; server's own lines.
  (when-let ((pipe (ignore-errors (get-buffer-process (jsonrpc-stderr-buffer server)))))
    (set-process-sentinel pipe #'ignore)))

(defun evalens--connect ()
  "Start evalens for this buffer, as `eglot-ensure' does, or say why it cannot."
  (remove-hook 'post-command-hook #'evalens--connect t)
  (when (and buffer-file-name (not (eglot-managed-p)))
    (setq evalens--last-exit nil
          evalens--starting nil)
    (condition-case err
        (apply #'eglot--connect (eglot--guess-contact))
      (error
       (let* ((server evalens--starting)
              (process (and server (jsonrpc--process server))))
         (message "%s" (or evalens--last-exit
                           ;; It died before its sentinel ran: eglot could not send to it.
                           (and (processp process) (not (process-live-p process))
                                (evalens--report-exit server process))
                           (error-message-string err))))))))

(defun evalens--ensure ()
  "Connect after the current command, once the buffer is set up.
As `eglot-ensure' does, but saying why the server cannot start."
  (add-hook 'post-command-hook #'evalens--connect nil t))

(cl-defmethod eglot-client-capabilities ((_server evalens-server))
  "eglot's capabilities, with code lenses and their refresh request."
  (let* ((capabilities (cl-call-next-method))
         (copy (plist-put (copy-sequence capabilities) :workspace
                          (append (list :codeLens (list :refreshSupport t))
                                  (plist-get capabilities :workspace)))))
    (plist-put copy :textDocument
               (append (list :codeLens (list :dynamicRegistration :json-false))
                       (plist-get capabilities :textDocument)))))

(defun evalens--settings ()
  "The evalens settings as a plist suitable for JSON."
  (append (list :trusted (if evalens-trusted t :json-false))
          (cl-loop for (key value) on evalens-settings by #'cddr
                   unless (eq key :trusted) append (list key value))))

(defvar evalens-mode)

(defun evalens--servers ()
  "The live evalens servers of the buffers in `evalens-mode'."
  (let (servers)
    (dolist (buffer (buffer-list))
      (with-current-buffer buffer
        (when-let ((server (and evalens-mode (eglot-managed-p) (eglot-current-server))))
          (when (and (cl-typep server 'evalens-server) (jsonrpc-running-p server))
            (cl-pushnew server servers)))))
    servers))

(defun evalens--push-settings (server)
  "Send SERVER the evalens settings now (workspace/didChangeConfiguration).
A project's own `eglot-workspace-configuration' `:evalens' section wins,
as it does when the server asks."
  (let* ((default-directory (project-root (eglot--project server)))
         (config (eglot--workspace-configuration-plist server))
         (settings (if (plist-get config :evalens)
                       config
                     (append (list :evalens (evalens--settings)) config))))
    (jsonrpc-notify server :workspace/didChangeConfiguration (list :settings settings))))

(defun evalens--set-trusted (symbol value)
  "Set SYMBOL (`evalens-trusted') to VALUE and tell the running servers."
  (set-default symbol value)
  (mapc #'evalens--push-settings (evalens--servers)))

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

(cl-defmethod eglot-handle-request
  ((server evalens-server) (_method (eql workspace/codeLens/refresh)) &rest _params)
  "The server's lenses changed: ask again for those of every buffer it manages."
  (dolist (buffer (eglot--managed-buffers server))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer (evalens-refresh-lenses))))
  nil)

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
for a failure (`✗ KeyboardInterrupt' in `evalens-interrupted-face': an
interrupt is not an error in the code)."
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
                 (if (equal type "KeyboardInterrupt") 'evalens-interrupted-face 'evalens-error-face))))))

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

(defconst evalens-untrusted-message
  "evalens: nothing runs until you trust this code: (customize-set-variable 'evalens-trusted t)"
  "Shown when the server refuses to run code in an untrusted workspace.")

(defun evalens-error-text (err)
  "The message to show for ERR, a JSON-RPC error plist from the server."
  (let ((text (or (plist-get err :message) "")))
    (cond ((and (eql (plist-get err :code) -32803) (string-match-p "untrusted" text))
           evalens-untrusted-message)
          ((string-prefix-p "evalens: " text) text) ; the server's exit, told by `evalens--watch-exit'
          (t (concat "evalens: " text)))))

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
                   (message "%s" (evalens-error-text err))))
     :timeout nil)))

(defun evalens--lens-shows-p (buffer pos argument)
  "Non-nil when a lens of BUFFER above the line of POS makes ARGUMENT's call.
Its title then shows the result."
  (and evalens-show-lenses
       (with-current-buffer buffer
         (save-excursion
           (goto-char pos)
           (cl-some (lambda (ov)
                      (let ((lens (overlay-get ov 'evalens-lens-argument)))
                        (and (equal (plist-get lens :target) (plist-get argument :target))
                             (equal (plist-get lens :uri) (plist-get argument :uri)))))
                    (overlays-in (line-beginning-position) (1+ (line-beginning-position))))))))

(defun evalens--line-position (buffer line)
  "The start of 0-based LINE in BUFFER."
  (with-current-buffer buffer
    (save-excursion
      (save-restriction
        (widen)
        (goto-char (point-min))
        (forward-line line)
        (point)))))

(defun evalens--place (buffer result call fallback)
  "Where to show RESULT of a run from BUFFER: (BUFFER . POSITION), or nil.
CALL non-nil: the Result of `evalens.call', whose `target' gives the def
line of the function called, shown there when that is BUFFER or a buffer
visible in a window, else nowhere (nil).  Without `target' (an older
server), or for other runs: FALLBACK, a marker or nil."
  (if (and call (plist-member result :target))
      (let* ((target (plist-get result :target))
             (uri (plist-get target :uri))
             (line (plist-get target :line))
             (there (and (stringp uri) (integerp line)
                         (find-buffer-visiting (eglot--uri-to-path uri)))))
        (when (and there (or (eq there buffer) (get-buffer-window there 'visible)))
          (cons there (evalens--line-position there line))))
    (when (and fallback (buffer-live-p (marker-buffer fallback)))
      (cons (marker-buffer fallback) (marker-position fallback)))))

(defun evalens--show-result (pos result generation)
  "Show RESULT at the end of the line of POS.
It is stale if it arrived in a GENERATION before the last."
  (let ((shown (evalens-describe result)))
    (if (< generation evalens--generation)
        (evalens--show pos (concat (car shown) evalens-stale-suffix) 'evalens-stale-face)
      (evalens--show pos (car shown) (cdr shown)))))

(defun evalens--show-elsewhere (run label result generation)
  "Show RESULT of RUN (LABEL, e.g. \"countdown(3)\") in the echo area and the output.
For a call whose function is defined in no visible buffer."
  (let ((text (car (evalens-describe result))))
    (when (< generation evalens--generation)
      (setq text (concat text evalens-stale-suffix)))
    (evalens--write-header run)
    (when evalens--output-partial (evalens--output-insert "\n"))
    (evalens--output-insert (concat text "\n"))
    (message "evalens: %s %s" label text)))

(defun evalens--run (pos command argument header &optional locate)
  "Run COMMAND with ARGUMENT; show the Result at the end of the line of POS.
LOCATE, when non-nil, is called with a function to call with a better
position (the called function's line, from the server's document symbols)
or nil: the command is sent at once, and its Result waits for that
position if need be.  A call's Result that names the def line of what it
called (`target') is shown there instead (see `evalens--place')."
  (let* ((buffer (current-buffer))
         (call (equal command (evalens--command 'call)))
         (label (format "%s(%s)" (plist-get argument :target) (or (plist-get argument :args) "")))
         (marker (copy-marker pos))
         (run (cons header nil))
         (located (null locate))
         (found (null locate))
         (failed nil)
         (answered nil)
         (answer nil)
         (generation nil)
         (ov (and located (evalens--show pos "⋯" 'evalens-pending-face)))
         (finish
          (lambda (result)
            (when ov (delete-overlay ov))
            (let ((place (evalens--place buffer result call (and found marker))))
              (cond ((null place)
                     (evalens--show-elsewhere run label result generation))
                    ((not (and call (evalens--lens-shows-p (car place) (cdr place) argument)))
                     (with-current-buffer (car place)
                       (evalens--show-result (cdr place) result generation)))))
            (when (buffer-live-p buffer)
              (with-current-buffer buffer (evalens-refresh-lenses))))))
    (setq evalens--runs (append evalens--runs (list run)))
    (when locate
      (funcall locate
               (lambda (position)
                 (when (and position (buffer-live-p buffer))
                   (set-marker marker position buffer)
                   (setq found t))
                 (setq located t)
                 (cond (answered (funcall finish answer))
                       ((and found (not failed))
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
       (message "%s" (evalens-error-text err))))))

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
    ;; Shown after the line of the function's `def' (the Result's `target', else this
    ;; buffer's document symbols); when that is in no visible buffer, in the echo area
    ;; and *evalens-output*.
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

(defvar-local evalens--lens-state nil
  "Where this buffer's lens requests are: nil (none), `asked', or `again'.
A request made while one is in flight is sent once that one is answered.")

(defvar-local evalens--lens-updates 0
  "How many lens answers have been shown in this buffer.")

(defvar-local evalens--lens-timer nil
  "The timer that asks for lenses again after an edit.")

(defun evalens--clear-lenses ()
  (remove-overlays (point-min) (point-max) 'evalens-lens t))

(defun evalens--show-lenses (lenses)
  "Replace the lenses shown with LENSES, all at once."
  (evalens--clear-lenses)
  (setq evalens--lens-updates (1+ evalens--lens-updates))
  (when evalens-show-lenses
    (save-excursion
      (save-restriction
        (widen)
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
                                        "\n"))))))))

(defun evalens-refresh-lenses ()
  "Ask the server for this buffer's code lenses and show them (asynchronously).
The lenses shown stay, moving with the text, until the answer replaces
them; an answer for text edited since it was asked is dropped (the edit
asks again)."
  (interactive)
  (when-let ((server (and evalens-show-lenses (eglot-managed-p) (eglot-current-server))))
    (if evalens--lens-state
        (setq evalens--lens-state 'again)
      (let ((buffer (current-buffer))
            (tick (buffer-chars-modified-tick))
            (done (lambda (buffer)
                    (when (buffer-live-p buffer)
                      (with-current-buffer buffer
                        (let ((again (eq evalens--lens-state 'again)))
                          (setq evalens--lens-state nil)
                          (when again (evalens-refresh-lenses))))))))
        (setq evalens--lens-state 'asked)
        (eglot--signal-textDocument/didChange)
        (jsonrpc-async-request
         server :textDocument/codeLens
         (list :textDocument (eglot--TextDocumentIdentifier))
         :success-fn (lambda (lenses)
                       (when (buffer-live-p buffer)
                         (with-current-buffer buffer
                           (when (= tick (buffer-chars-modified-tick))
                             (evalens--show-lenses (or lenses [])))))
                       (funcall done buffer))
         :error-fn (lambda (_err) (funcall done buffer))
         :timeout nil)))))

(defun evalens--refresh-lenses-in (buffer)
  "Ask for the lenses of BUFFER, if it is still there."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (setq evalens--lens-timer nil)
      (evalens-refresh-lenses))))

(defun evalens--lenses-soon (&rest _)
  "Ask for lenses once the edits pause (`eglot-send-changes-idle-time').
Until then the lenses shown stay, moved with the text."
  (when evalens--lens-timer (cancel-timer evalens--lens-timer))
  (setq evalens--lens-timer
        (run-at-time eglot-send-changes-idle-time nil #'evalens--refresh-lenses-in (current-buffer))))

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
  "Eglot starts or stops managing the buffer: show or remove the lenses.
eglot runs this before it sends textDocument/didOpen: lenses asked at once
would be of no document, so they are asked right after."
  (if (eglot-managed-p)
      (run-at-time 0 nil #'evalens--refresh-lenses-in (current-buffer))
    (setq evalens--lens-state nil)
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
    (add-hook 'after-change-functions #'evalens--lenses-soon nil t)
    (if (eglot-managed-p)
        (evalens-refresh-lenses)
      (evalens--ensure)))
   (t
    (remove-hook 'eglot-managed-mode-hook #'evalens--managed t)
    (remove-hook 'after-save-hook #'evalens-refresh-lenses t)
    (remove-hook 'after-change-functions #'evalens--lenses-soon t)
    (remove-hook 'post-command-hook #'evalens--connect t)
    (when evalens--lens-timer (cancel-timer evalens--lens-timer))
    (evalens-clear)
    (evalens--clear-lenses))))

(provide 'evalens)
;;; evalens.el ends here
